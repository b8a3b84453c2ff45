"""Values as a person writes them, in every view of the preview."""

from __future__ import annotations

from preview.plain import duration, plain
from preview.tree import describe, tree_lines
from tests.run_cache import run_stack


def test_booleans_lists_and_durations() -> None:
    assert plain(True) == "on" and plain(False) == "off"
    assert plain([]) == "none" and plain(None) == "none"
    assert plain(["AfterInstall", "AfterAllowTestTraffic"]) == "AfterInstall, AfterAllowTestTraffic"
    assert plain([{"path": "/health", "expectStatus": 200}, {"path": "/version", "expectStatus": 200}]) == (
        "path /health, expectStatus 200; path /version, expectStatus 200"
    )
    assert plain(5, "deployment.terminationWaitMinutes") == "5 min"
    assert plain(30, "healthCheck.intervalSeconds") == "30 s"
    assert plain(1, "registry.untaggedExpiryDays") == "1 day"
    assert plain(365, "container.logRetentionDays") == "365 days"
    assert plain(8080, "loadBalancer.testListenerPort") == "8080"
    assert plain(2.0) == "2"
    assert duration(90) == "1 min 30 s" and duration(3900) == "1 h 5 min" and duration(0) == "0 s"


def test_the_tree_says_on_not_true() -> None:
    run = run_stack("prod")
    assert describe(run.one("aws:ecr/repository:Repository")) == "tags IMMUTABLE, scan on push: on, protected"
    lines = "\n".join(tree_lines(run))
    assert "True" not in lines and "False" not in lines and "None" not in lines


def test_a_custom_deployment_config_reads_as_words_not_json() -> None:
    run = run_stack(
        "dev",
        {
            "deployment": {
                "strategy": "linear",
                "percentage": 20,
                "intervalMinutes": 3,
                "terminationWaitMinutes": 3,
            }
        },
    )
    line = describe(run.one("aws:codedeploy/deploymentConfig:DeploymentConfig"))
    assert line == "TimeBasedLinear: 20 % more every 3 min"
    assert "{" not in line
