"""Stack configuration: the user-facing contract, validated before any resource exists."""
