"""Map a stack's strategy onto Amazon ECS's built-in blue/green, linear and canary deployments.

With ``deploymentController: ECS`` the service itself shifts traffic
(``deploymentConfiguration.strategy``): canary sends ``canaryPercent`` first and the rest
after ``canaryBakeTimeInMinutes``; linear adds ``stepPercent`` every
``stepBakeTimeInMinutes``; blue/green shifts everything at once. After the shift the old
revision is kept ``bakeTimeInMinutes``. Ranges (ECS API reference,
DeploymentConfiguration): canary percent 0.1-100, linear step percent 3-100, every bake
time 0-1440 minutes.
"""

from __future__ import annotations

from dataclasses import dataclass

NATIVE_STRATEGY = {"canary": "CANARY", "linear": "LINEAR", "all-at-once": "BLUE_GREEN"}
LINEAR_STEP_MIN_PERCENT = 3
CANARY_MIN_PERCENT = 0.1
BAKE_MAX_MINUTES = 1440

# CodeDeploy's ECS hook names -> the ECS lifecycle stage that runs at the same point.
LIFECYCLE_STAGE = {
    "BeforeInstall": "PRE_SCALE_UP",
    "AfterInstall": "POST_SCALE_UP",
    "AfterAllowTestTraffic": "POST_TEST_TRAFFIC_SHIFT",
    "BeforeAllowTraffic": "PRODUCTION_TRAFFIC_SHIFT",
    "AfterAllowTraffic": "POST_PRODUCTION_TRAFFIC_SHIFT",
}


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
    strategy: str, percentage: int, interval_minutes: int, termination_wait_minutes: int
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
    if strategy == "linear" and percentage < LINEAR_STEP_MIN_PERCENT:
        problems.append(
            (
                "percentage",
                f"{percentage} is below ECS's native linear step minimum of {LINEAR_STEP_MIN_PERCENT} % "
                "(controller codedeploy accepts 1-99); use 3-99 or controller codedeploy",
            )
        )
    if strategy in ("canary", "linear") and interval_minutes > BAKE_MAX_MINUTES:
        problems.append(
            (
                "intervalMinutes",
                f"{interval_minutes} exceeds ECS's native bake time limit of {BAKE_MAX_MINUTES} minutes "
                "(controller codedeploy has no such limit)",
            )
        )
    if termination_wait_minutes > BAKE_MAX_MINUTES:
        problems.append(
            (
                "terminationWaitMinutes",
                f"{termination_wait_minutes} exceeds ECS's native bake time limit of "
                f"{BAKE_MAX_MINUTES} minutes (controller codedeploy allows up to 2880)",
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
