"""Operator CLI for the stack's blue/green releases: `python -m release <command> [options]`.

    status   [--json]                      the current (or last) deployment, the production
                                           traffic split and the ECS service
    watch    [DEPLOYMENT]                  follow a deployment (default: the active one) to its end
    stop     [DEPLOYMENT]                  stop a deployment (default: the active one) with rollback
    rollback [--to-revision N | --to ARN]  release the previous task definition revision

Two engines release the service, chosen by `--engine`, else the stack output
`deploymentController`, else codedeploy:

* codedeploy: CodeDeploy blue/green deployments of the deployment group; DEPLOYMENT is a
  CodeDeploy deployment id (d-XXXXXXXXX).
* ecs: ECS's own BLUE_GREEN / LINEAR / CANARY *service deployments*, started by updating the
  service's task definition; DEPLOYMENT is a service deployment ARN (or its last segment).
  An ECS service deployment ARN given to watch or stop selects this engine when nothing else
  chose one.

Names (region, CodeDeploy application and group, ECS cluster and service) come from the
stack's outputs (`--stack STACK` runs `pulumi stack output --json`; `--outputs-file FILE`
reads the same JSON saved earlier) and/or flags, flags winning. Under codedeploy the ECS
cluster and service fall back to the ones the deployment group names; under ecs the region,
cluster and service fall back to the ones a given service deployment ARN names.

main.py is the entry point (the table of commands, the parser, main()'s error discipline;
release/__main__.py runs it); a command holds what is the same under both engines: one module
each for status.py, rollback.py, logs.py and shell.py (exec), one row each in
deployment_commands.py for watch, stop and continue. It reaches the engine through EngineOps
(engine.py), which codedeploy_engine.py and ecs_engine.py provide, on top of names.py (names),
context.py (one run), errors.py (errors, exit codes), service.py (the ECS service and its load
balancer) and text.py (how output reads).

Exit codes: 0 done (deployment succeeded), 1 the deployment ended otherwise (watch, rollback),
2 an error, reported as one line on stderr.
"""
