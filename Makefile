# One entry point for people and CI. `make test` sets up ./venv (the virtualenv Pulumi.yaml
# names) on first use, so it works on a fresh clone.
PYTHON ?= python3
VENV := venv
BIN := $(VENV)/bin

STACK ?= dev

.PHONY: venv preview diff test lint check clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt app/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Offline: the real program under Pulumi's mock engine; writes build/preview-$(STACK).md
# and build/architecture-$(STACK).svg. No AWS account or Pulumi CLI needed.
preview: venv
	$(BIN)/python -m preview --stack $(STACK)

diff: venv
	$(BIN)/python -m preview --diff dev prod

test: venv
	$(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict specs stack_config hooks release policy/guardrails.py preview components __main__.py
	$(BIN)/hadolint app/Dockerfile
	$(BIN)/yamllint --strict -c .yamllint.yaml Pulumi.yaml Pulumi.dev.yaml Pulumi.prod.yaml .github/workflows policy/PulumiPolicy.yaml
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)/zizmor --offline .github/workflows

check: lint test

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache .mypy_cache
