"""rehearse.settings: the real program for dev and prod, every field against the stack's own config.

Expected values come from the stack files (``Pulumi.<stack>.yaml``) where they set a key, and
otherwise from the config the program validated (``stack_config.loader.load_settings``), so a
wiring mistake between config and declared resources shows up here.
"""

from __future__ import annotations

import json

import pytest

from preview import ROOT
from preview.engine import PROJECT, run_stack, stack_config, stack_file
from preview.timeline import build_timeline
from rehearse.settings import (
    RehearsalSettings,
    SettingsError,
    dockerfile_defaults,
    load_settings,
    release_overrides,
    settings_of,
)
from stack_config.loader import load_settings as validated_config
from stack_config.model import StackSettings


def _file(stack: str, key: str) -> dict[str, object]:
    value = stack_file(stack).get(f"{PROJECT}:{key}")
    assert isinstance(value, dict)
    return value


def _config(stack: str) -> StackSettings:
    return validated_config(stack_config(stack), project=PROJECT, stack=stack, project_dir=ROOT)


@pytest.fixture(scope="module")
def dev() -> RehearsalSettings:
    return load_settings("dev")


@pytest.fixture(scope="module")
def prod() -> RehearsalSettings:
    return load_settings("prod")


@pytest.fixture(params=["dev", "prod"])
def each(
    request: pytest.FixtureRequest, dev: RehearsalSettings, prod: RehearsalSettings
) -> RehearsalSettings:
    return {"dev": dev, "prod": prod}[request.param]


def test_health_check_is_the_stack_files(each: RehearsalSettings) -> None:
    declared = _file(each.stack, "healthCheck")
    check = each.health_check
    assert check.path == declared["path"] == "/health"
    assert check.interval_seconds == declared["intervalSeconds"]
    assert check.timeout_seconds == declared["timeoutSeconds"]
    assert check.healthy_threshold == declared["healthyThreshold"]
    assert check.unhealthy_threshold == declared["unhealthyThreshold"]
    assert check.matcher == _config(each.stack).health_check.success_codes == "200"


def test_health_check_interval_differs_between_stacks(
    dev: RehearsalSettings, prod: RehearsalSettings
) -> None:
    assert (dev.health_check.interval_seconds, prod.health_check.interval_seconds) == (10, 30)


def test_drain_stop_and_count(each: RehearsalSettings) -> None:
    balancer = _file(each.stack, "loadBalancer")
    assert each.deregistration_delay_seconds == balancer["deregistrationDelaySeconds"]
    assert each.desired_count == _file(each.stack, "service")["desiredCount"]
    config = _config(each.stack)
    assert each.container.stop_timeout_seconds == config.task.stop_timeout_seconds == 30
    assert each.release.stop_timeout_seconds == each.container.stop_timeout_seconds


def test_values_that_differ_per_stack(dev: RehearsalSettings, prod: RehearsalSettings) -> None:
    assert (dev.deregistration_delay_seconds, prod.deregistration_delay_seconds) == (10, 30)
    assert (dev.desired_count, prod.desired_count) == (1, 2)
    assert (dev.container.memory_mib, prod.container.memory_mib) == (512, 1024)


def test_engine_strategy_and_waits(each: RehearsalSettings) -> None:
    deployment = _file(each.stack, "deployment")
    config = _config(each.stack).deployment
    assert each.engine == config.controller == "codedeploy"
    assert each.strategy == deployment["strategy"] == each.release.routing.kind
    assert each.release.termination_wait_minutes == deployment["terminationWaitMinutes"]
    assert each.release.ready_wait_minutes == config.ready_wait_minutes
    if each.strategy == "all-at-once":
        assert each.release.routing.percentage is None
    else:
        assert each.release.routing.percentage == deployment["percentage"]
        assert each.release.routing.interval_minutes == deployment["intervalMinutes"]


def test_timeline_is_the_previews(each: RehearsalSettings) -> None:
    assert each.timeline == build_timeline(each.release)
    assert each.timeline.events[-1].label == "blue gone: deployment complete"


def test_container_runs_the_images_command(each: RehearsalSettings) -> None:
    container = each.container
    assert container.command == ("python", "-m", "server")
    assert container.workdir == "app"
    assert container.dockerfile == "Dockerfile"
    assert (ROOT / container.workdir / "server" / "__main__.py").is_file()
    config = _config(each.stack).container
    assert container.port == config.port == 8080
    assert container.environment["PORT"] == "8080"
    assert container.environment["APP_VERSION"] == _file(each.stack, "image")["version"]
    # The app drains within the stop timeout, a margin before SIGKILL.
    assert int(container.environment["SHUTDOWN_TIMEOUT_SECONDS"]) < container.stop_timeout_seconds
    assert container.health_command == ("python", "-m", "server.healthcheck")
    assert container.health_start_period_seconds == config.health_check.start_period_seconds
    assert container.health_interval_seconds == config.health_check.interval_seconds
    assert container.health_timeout_seconds == config.health_check.timeout_seconds
    assert container.health_retries == config.health_check.retries
    assert container.read_only_root is config.readonly_root_filesystem is True
    assert container.scratch_paths == tuple(config.scratch_paths) == ("/tmp",)
    assert container.user == "10001:10001"  # the image's USER: the task definition sets none


def test_hooks_of_each_stack(dev: RehearsalSettings, prod: RehearsalSettings) -> None:
    assert _file("dev", "hooks")["lifecycleEvents"] == [] and dev.hooks == ()
    declared = _file("prod", "hooks")
    assert [h.event for h in prod.hooks] == declared["lifecycleEvents"] == ["AfterAllowTestTraffic"]
    (hook,) = prod.hooks
    assert json.loads(hook.environment["CHECKS"]) == declared["checks"]
    assert hook.environment["ATTEMPTS"] == str(declared["attempts"])
    assert hook.environment["TEST_URL"].endswith(":9000")
    assert hook.timeout_seconds == prod.release.hooks[0].timeout_seconds


def test_rollback_alarms_with_their_colour(each: RehearsalSettings) -> None:
    config = _config(each.stack).alarms
    assert _file(each.stack, "alarms")["rollbackOnAlarm"] is True
    by_name = {a.name.removeprefix(f"my-app-{each.stack}-"): a for a in each.alarms}
    assert sorted(by_name) == [
        "cpu-high",
        "response-time-blue",
        "response-time-green",
        "target-5xx",
        "unhealthy-blue",
        "unhealthy-green",
    ]
    assert [a.name for a in each.alarms] == [a.name for a in each.release.alarms]
    for alarm in each.alarms:
        assert alarm.period_seconds == config.period_seconds
        assert alarm.evaluation_periods == alarm.datapoints_to_alarm == config.evaluation_periods
        assert alarm.treat_missing_data == "notBreaching"
    assert (by_name["unhealthy-blue"].colour, by_name["unhealthy-green"].colour) == ("blue", "green")
    assert by_name["unhealthy-green"].metric_name == "UnHealthyHostCount"
    assert by_name["unhealthy-green"].statistic == "Maximum"
    assert by_name["unhealthy-green"].threshold == config.unhealthy_hosts
    five_xx = by_name["target-5xx"]
    assert (five_xx.metric_name, five_xx.statistic, five_xx.colour) == (
        "HTTPCode_Target_5XX_Count",
        "Sum",
        None,
    )
    assert five_xx.threshold == config.target_5xx_count
    assert five_xx.comparison == "GreaterThanOrEqualToThreshold"
    for colour in ("blue", "green"):
        slow = by_name[f"response-time-{colour}"]
        assert (slow.metric_name, slow.statistic, slow.threshold, slow.colour) == (
            "TargetResponseTime",
            "Average",
            config.response_time_seconds,
            colour,
        )
    assert by_name["cpu-high"].comparison == "GreaterThanThreshold"


@pytest.mark.parametrize("engine", ["codedeploy", "ecs"])
@pytest.mark.parametrize("strategy", ["canary", "linear", "all-at-once"])
def test_prod_under_each_engine_and_strategy(engine: str, strategy: str) -> None:
    settings = load_settings("prod", engine=engine, strategy=strategy)
    assert (settings.engine, settings.strategy) == (engine, strategy)
    assert settings.desired_count == 2 and len(settings.alarms) == 6
    stages = {"codedeploy": "AfterAllowTestTraffic", "ecs": "POST_TEST_TRAFFIC_SHIFT"}
    assert [h.event for h in settings.hooks] == [stages[engine]]
    assert json.loads(settings.hooks[0].environment["CHECKS"]) == _file("prod", "hooks")["checks"]
    assert {a.colour for a in settings.alarms} == {None, "blue", "green"}
    if strategy != "all-at-once":
        assert settings.release.routing.percentage == 10
        assert settings.release.routing.interval_minutes == 5


def test_release_overrides_start_from_the_stacks_deployment() -> None:
    assert release_overrides("prod") == {}
    override = release_overrides("prod", strategy="all-at-once")["deployment"]
    assert "percentage" not in override and "intervalMinutes" not in override
    assert override["terminationWaitMinutes"] == 5
    own = {"strategy": "linear", "percentage": 20, "intervalMinutes": 1, "terminationWaitMinutes": 3}
    assert release_overrides("prod", engine="ecs", deployment=own)["deployment"] == {
        **own,
        "controller": "ecs",
    }
    settings = load_settings("prod", engine="ecs", overrides={"deployment": own})
    assert (settings.engine, settings.strategy, settings.release.routing.percentage) == ("ecs", "linear", 20)
    assert release_overrides("dev", engine="ecs")["deployment"] == {
        "strategy": "all-at-once",
        "terminationWaitMinutes": 3,
        "controller": "ecs",
    }


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: load_settings("staging"),
            "stack: 'staging' has no Pulumi.staging.yaml; stacks here: dev, prod",
        ),
        (lambda: load_settings("dev", engine="argo"), "engine: 'argo' is not a deployment engine; allowed:"),
        (
            lambda: load_settings("dev", strategy="big-bang"),
            "strategy: 'big-bang' is not a strategy; allowed:",
        ),
    ],
)
def test_bad_input_is_named(call: object, message: str) -> None:
    with pytest.raises(SettingsError, match="^" + message.replace("(", r"\(").replace(".", r"\.")):
        call()  # type: ignore[operator]


def test_dockerfile_last_stage_command_and_user() -> None:
    text = 'FROM a AS b\nUSER 1\nCMD ["x"]\nFROM c\nWORKDIR /app\nUSER 2:2\n'
    text += 'CMD ["python", \\\n  "-m", "server"]\n'
    defaults = dockerfile_defaults(text, "Dockerfile")
    assert (defaults.command, defaults.user) == (("python", "-m", "server"), "2:2")
    with pytest.raises(SettingsError, match="CMD 'python -m server' is not in exec form"):
        dockerfile_defaults("FROM a\nCMD python -m server\n", "Dockerfile")
    with pytest.raises(SettingsError, match="the last stage has no CMD"):
        dockerfile_defaults('FROM a\nCMD ["x"]\nFROM b\n', "Dockerfile")


def test_an_alarm_the_rehearsal_cannot_evaluate_is_refused(prod: RehearsalSettings) -> None:
    run = run_stack("prod")
    alarm = next(r for r in run.resources if r.inputs.get("name") == prod.alarms[0].name)
    alarm.inputs["treatMissingData"] = "zero"
    with pytest.raises(SettingsError, match=r"treatMissingData: 'zero'; allowed: missing, notBreaching"):
        settings_of(run)
