"""Map a stack's strategy onto Amazon ECS's built-in blue/green, linear and canary deployments.

With ``deploymentController: ECS`` the service itself shifts traffic
(``deploymentConfiguration.strategy``): canary sends ``canaryPercent`` first and the rest
after ``canaryBakeTimeInMinutes``; linear adds ``stepPercent`` every
``stepBakeTimeInMinutes``; blue/green shifts everything at once. After the shift the old
revision is kept ``bakeTimeInMinutes``. The mapping and ECS's ranges live in
``specs.release_model``.
"""

from __future__ import annotations

from dataclasses import dataclass

from specs.release_model import (
    CODEDEPLOY_MAX_WAIT_MINUTES,
    ECS_BAKE_MAX_MINUTES,
    ECS_LINEAR_STEP_MIN_PERCENT,
    NATIVE_STRATEGY,
    Strategy,
)


@dataclass(frozen=True)
class NativeDeploymentPlan:
    strategy: str
    """BLUE_GREEN, LINEAR or CANARY."""
    bake_time_minutes: int
    canary_percent: float | None = None
    canary_bake_minutes: int | None = None
    step_percent: float | None = None
    step_bake_minutes: int | None = None


def plan_native_deployment(
    strategy: Strategy, percentage: int, interval_minutes: int, termination_wait_minutes: int
) -> NativeDeploymentPlan:
    """The service's deploymentConfiguration for the stack's strategy (ranges checked by the config)."""
    native = NATIVE_STRATEGY[strategy]
    if native == "CANARY":
        return NativeDeploymentPlan(native, termination_wait_minutes, float(percentage), interval_minutes)
    if native == "LINEAR":
        return NativeDeploymentPlan(
            native,
            termination_wait_minutes,
            step_percent=float(percentage),
            step_bake_minutes=interval_minutes,
        )
    return NativeDeploymentPlan(native, termination_wait_minutes)


def native_problems(
    strategy: str,
    percentage: int,
    interval_minutes: int,
    termination_wait_minutes: int,
    ready_wait_minutes: int,
) -> list[tuple[str, str]]:
    """(field, reason) for each setting the ECS engine cannot take, saying what CodeDeploy would accept."""
    problems = []
    if strategy == "linear" and percentage < ECS_LINEAR_STEP_MIN_PERCENT:
        problems.append(
            (
                "percentage",
                f"{percentage} is below ECS's native linear step minimum of {ECS_LINEAR_STEP_MIN_PERCENT} % "
                f"(controller codedeploy accepts 1-99); use {ECS_LINEAR_STEP_MIN_PERCENT}-99 or controller "
                "codedeploy",
            )
        )
    if strategy in ("canary", "linear") and interval_minutes > ECS_BAKE_MAX_MINUTES:
        problems.append(
            (
                "intervalMinutes",
                f"{interval_minutes} exceeds ECS's native bake time limit of {ECS_BAKE_MAX_MINUTES} "
                "minutes (controller codedeploy has no such limit)",
            )
        )
    if termination_wait_minutes > ECS_BAKE_MAX_MINUTES:
        problems.append(
            (
                "terminationWaitMinutes",
                f"{termination_wait_minutes} exceeds ECS's native bake time limit of "
                f"{ECS_BAKE_MAX_MINUTES} minutes (controller codedeploy allows up to "
                f"{CODEDEPLOY_MAX_WAIT_MINUTES})",
            )
        )
    if ready_wait_minutes:
        problems.append(
            (
                "readyWaitMinutes",
                f"{ready_wait_minutes} is a CodeDeploy setting; controller ecs has no hold before the shift "
                "(set 0, or use controller codedeploy)",
            )
        )
    return problems
