"""BlueGreenLoadBalancer: the ALB, its blue and green target groups and two listeners.

Creates an internet-facing ALB with its security group, a blue and a green target group
(``target_type`` ip, health check and deregistration delay from config), a production
listener (HTTP 80, or HTTPS 443 with an ACM certificate plus an HTTP->HTTPS redirect on 80)
and a test listener on ``loadBalancer.testListenerPort`` reachable only from
``loadBalancer.testTrafficCidrs``. With a domain it also points an alias record at the ALB, and
the URLs name the domain; with an access log bucket the ALB writes its access logs there.
Both listeners start on blue, with green behind them at weight 0; after that the deployment
engine owns the weights: CodeDeploy the listeners' default actions, ECS the listener rules it
is given. Under ECS the rules start on the target group production forwards to when they are
created (``LiveTargetGroups``: blue on a new stack, either on one moved from CodeDeploy).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.engine_move import EngineMoveTarget, LiveTargetGroups
from specs.engine_move import NO_ROUTE_ACTION
from specs.release_model import DEFAULT_ENGINE, Engine
from stack_config.model import LoadBalancerSettings, TargetHealthCheck


@dataclass
class BlueGreenLoadBalancerArgs:
    load_balancer: LoadBalancerSettings
    health_check: TargetHealthCheck
    vpc_id: pulumi.Input[str]
    public_subnet_ids: pulumi.Input[list[str]]
    container_port: int
    deletion_protection: bool
    engine: Engine = DEFAULT_ENGINE
    """Who moves traffic: ``codedeploy`` (listener default actions) or ``ecs`` (listener rules)."""
    https: bool = False
    """Production on HTTPS 443 (HTTP 80 redirects) and the test listener on HTTPS."""
    certificate_arn: pulumi.Input[str] | None = None
    """The (validated) certificate the HTTPS listeners serve."""
    domain_name: str | None = None
    zone_id: str | None = None
    """With ``domain_name``: the hosted zone of the alias record that points the name at the ALB."""
    access_log_bucket: pulumi.Input[str] | None = None
    access_log_prefix: str = ""
    access_log_ready: list[pulumi.Resource] = field(default_factory=list)
    """The bucket policy and settings the ALB needs before it may write its logs."""
    engine_move: EngineMoveTarget | None = None
    """Under the ECS engine: the service whose live target group the listener rules start on
    (read from the production listener, so a stack moved from CodeDeploy keeps its traffic)."""


def _rule_name(cidr: str) -> str:
    """A resource-name-safe form of a CIDR, so each rule's name comes from its data."""
    return re.sub(r"[^0-9a-zA-Z]+", "-", cidr).strip("-")


class BlueGreenLoadBalancer(pulumi.ComponentResource):
    arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    arn_suffix: pulumi.Output[str]
    dns_name: pulumi.Output[str]
    production_url: pulumi.Output[str]
    test_url: pulumi.Output[str]

    def __init__(
        self, name: str, args: BlueGreenLoadBalancerArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("bluegreen:lb:BlueGreenLoadBalancer", name, None, opts)
        settings = args.load_balancer
        child = pulumi.ResourceOptions(parent=self)

        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-alb",
            vpc_id=args.vpc_id,
            description="ALB: production and test listeners",
            opts=child,
        )
        https = args.https
        production_port = 443 if https else 80
        self._allow(name, "prod", production_port, settings.allowed_cidrs)
        if https:
            self._allow(name, "redirect", 80, settings.allowed_cidrs)
        self._allow(name, "test", settings.test_listener_port, settings.test_traffic_cidrs)

        self.alb = aws.lb.LoadBalancer(
            f"{name}-alb",
            load_balancer_type="application",
            internal=False,
            security_groups=[self.security_group.id],
            subnets=args.public_subnet_ids,
            idle_timeout=settings.idle_timeout_seconds,
            drop_invalid_header_fields=True,
            enable_deletion_protection=args.deletion_protection,
            access_logs=(
                {"bucket": args.access_log_bucket, "prefix": args.access_log_prefix, "enabled": True}
                if args.access_log_bucket is not None
                else None
            ),
            # ELB writes a test object when logging is switched on: the bucket policy comes first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=args.access_log_ready),
        )
        self.blue = self._target_group(f"{name}-blue", args)
        self.green = self._target_group(f"{name}-green", args)

        protocol = "HTTPS" if https else "HTTP"
        # TLS settings apply only to HTTPS listeners; HTTP ones declare neither.
        certificate_arn = args.certificate_arn if https else None
        ssl_policy = settings.ssl_policy if https else None
        # Both target groups sit behind each listener from the start (green at weight 0), so
        # green's targets are health-checked while they start, before any traffic moves.
        blue_live = [
            aws.lb.ListenerDefaultActionArgs(
                type="forward",
                forward=aws.lb.ListenerDefaultActionForwardArgs(
                    target_groups=[
                        aws.lb.ListenerDefaultActionForwardTargetGroupArgs(arn=self.blue.arn, weight=100),
                        aws.lb.ListenerDefaultActionForwardTargetGroupArgs(arn=self.green.arn, weight=0),
                    ]
                ),
            )
        ]
        # Neither engine lets `pulumi up` rewrite the default actions once the listeners exist.
        # CodeDeploy swaps them between blue and green on every release: without this the next
        # `pulumi up` would point production back at the old target group. Under the ECS engine
        # the rules below carry the traffic and the default action only answers what no rule
        # matches; a stack moved from CodeDeploy keeps forwarding until its rules exist, and the
        # move (components/engine_move.py) sets the same default action afterwards.
        listener_opts = pulumi.ResourceOptions(parent=self, ignore_changes=["default_actions"])
        if args.engine == "codedeploy":
            default_actions = blue_live
        else:
            fixed = NO_ROUTE_ACTION["FixedResponseConfig"]
            default_actions = [
                aws.lb.ListenerDefaultActionArgs(
                    type=NO_ROUTE_ACTION["Type"],
                    fixed_response=aws.lb.ListenerDefaultActionFixedResponseArgs(
                        content_type=fixed["ContentType"],
                        status_code=fixed["StatusCode"],
                        message_body=fixed["MessageBody"],
                    ),
                )
            ]
        self.production_listener = aws.lb.Listener(
            f"{name}-prod",
            load_balancer_arn=self.alb.arn,
            port=production_port,
            protocol=protocol,
            default_actions=default_actions,
            certificate_arn=certificate_arn,
            ssl_policy=ssl_policy,
            opts=listener_opts,
        )
        self.test_listener = aws.lb.Listener(
            f"{name}-test",
            load_balancer_arn=self.alb.arn,
            port=settings.test_listener_port,
            protocol=protocol,
            default_actions=default_actions,
            certificate_arn=certificate_arn,
            ssl_policy=ssl_policy,
            opts=listener_opts,
        )
        self.production_rule: aws.lb.ListenerRule | None = None
        self.test_rule: aws.lb.ListenerRule | None = None
        self.live_target_groups: LiveTargetGroups | None = None
        if args.engine == "ecs":
            assert args.engine_move is not None, "the ECS engine reads its live target group"
            # Blue on a new stack; on a stack moved from CodeDeploy, whichever target group
            # production forwards to now (green after a CodeDeploy release).
            self.live_target_groups = LiveTargetGroups(
                f"{name}-live",
                args.engine_move,
                self.production_listener.arn,
                self.blue.arn,
                self.green.arn,
                pulumi.ResourceOptions(parent=self, depends_on=[self.test_listener]),
            )
            live, idle = self.live_target_groups.live_arn, self.live_target_groups.idle_arn
            # ECS rewrites these rules' weights during and after every deployment
            # (terraform-aws-alb#409): reverting them would move production traffic back.
            ecs_owned = pulumi.ResourceOptions(parent=self, ignore_changes=["actions"])
            every_path = [
                aws.lb.ListenerRuleConditionArgs(
                    path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(values=["/*"])
                )
            ]
            # All traffic to the live target group, the other one behind it at weight 0.
            rule_live = [
                aws.lb.ListenerRuleActionArgs(
                    type="forward",
                    forward=aws.lb.ListenerRuleActionForwardArgs(
                        target_groups=[
                            aws.lb.ListenerRuleActionForwardTargetGroupArgs(arn=live, weight=100),
                            aws.lb.ListenerRuleActionForwardTargetGroupArgs(arn=idle, weight=0),
                        ]
                    ),
                )
            ]
            self.production_rule = aws.lb.ListenerRule(
                f"{name}-prod-rule",
                listener_arn=self.production_listener.arn,
                priority=1,
                conditions=every_path,
                actions=rule_live,
                opts=ecs_owned,
            )
            self.test_rule = aws.lb.ListenerRule(
                f"{name}-test-rule",
                listener_arn=self.test_listener.arn,
                priority=1,
                conditions=every_path,
                actions=rule_live,
                opts=ecs_owned,
            )
        self.listeners: list[pulumi.Resource] = [self.production_listener, self.test_listener]
        if self.production_rule is not None and self.test_rule is not None:
            self.listeners += [self.production_rule, self.test_rule]
        if https:
            self.listeners.append(
                aws.lb.Listener(
                    f"{name}-redirect",
                    load_balancer_arn=self.alb.arn,
                    port=80,
                    protocol="HTTP",
                    default_actions=[
                        aws.lb.ListenerDefaultActionArgs(
                            type="redirect",
                            redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                                protocol="HTTPS", port="443", status_code="HTTP_301"
                            ),
                        )
                    ],
                    opts=child,
                )
            )

        self.alias_record: aws.route53.Record | None = None
        host: pulumi.Input[str] = self.alb.dns_name
        if args.domain_name is not None and args.zone_id is not None:
            # The name users reach, and the one the certificate is for: an alias (free queries).
            self.alias_record = aws.route53.Record(
                f"{name}-alias",
                zone_id=args.zone_id,
                name=args.domain_name,
                type="A",
                aliases=[
                    aws.route53.RecordAliasArgs(
                        name=self.alb.dns_name, zone_id=self.alb.zone_id, evaluate_target_health=True
                    )
                ],
                opts=child,
            )
            host = args.domain_name

        scheme = "https" if https else "http"
        self.arn = self.alb.arn
        self.security_group_id = self.security_group.id
        self.arn_suffix = self.alb.arn_suffix
        self.dns_name = self.alb.dns_name
        self.production_url = pulumi.Output.concat(
            f"{scheme}://", host, _port_suffix(scheme, production_port)
        )
        self.test_url = pulumi.Output.concat(f"{scheme}://", host, f":{settings.test_listener_port}")
        self.register_outputs(
            {
                "dns_name": self.dns_name,
                "production_url": self.production_url,
                "test_url": self.test_url,
                "blue_target_group": self.blue.name,
                "green_target_group": self.green.name,
            }
        )

    def _allow(self, name: str, purpose: str, port: int, cidrs: list[str]) -> None:
        """One ingress rule per CIDR, named from the CIDR so reordering replaces nothing."""
        for cidr in cidrs:
            ipv6 = ipaddress.ip_network(cidr).version == 6
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-{purpose}-{_rule_name(cidr)}",
                security_group_id=self.security_group.id,
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                cidr_ipv6=cidr if ipv6 else None,
                cidr_ipv4=None if ipv6 else cidr,
                description=f"{purpose} listener",
                opts=pulumi.ResourceOptions(parent=self),
            )

    def _target_group(self, name: str, args: BlueGreenLoadBalancerArgs) -> aws.lb.TargetGroup:
        check = args.health_check
        return aws.lb.TargetGroup(
            name,
            port=args.container_port,
            protocol="HTTP",
            target_type="ip",  # Fargate tasks in awsvpc mode register by IP
            vpc_id=args.vpc_id,
            deregistration_delay=args.load_balancer.deregistration_delay_seconds,
            health_check={
                "enabled": True,
                "path": check.path,
                "protocol": "HTTP",
                "port": "traffic-port",
                "interval": check.interval_seconds,
                "timeout": check.timeout_seconds,
                "healthy_threshold": check.healthy_threshold,
                "unhealthy_threshold": check.unhealthy_threshold,
                "matcher": check.success_codes,
            },
            opts=pulumi.ResourceOptions(parent=self),
        )


def _port_suffix(scheme: str, port: int) -> str:
    default = 443 if scheme == "https" else 80
    return "" if port == default else f":{port}"
