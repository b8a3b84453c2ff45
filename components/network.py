"""Network: where the load balancer and the tasks live.

Either adopts an existing VPC (``network.vpcId`` with public and private subnet ids) or
creates one across ``network.availabilityZones`` zones: a public subnet per zone for the
ALB behind an internet gateway, a private subnet per zone for the tasks, and egress for
image pulls, logs and secrets through NAT gateways and/or VPC endpoints. With
``network.taskSubnets: public`` the tasks run in the public subnets instead, with a public IP
each, and reach ECR, logs and secrets through the internet gateway (no NAT gateway needed; the
tasks' security group admits only the load balancer). A VPC made here also gets its default
security group emptied (FSBP EC2.2: nothing uses it, and AWS's default rules let its members
talk to each other) and, with ``network.flowLogs.enabled``, flow logs to a CloudWatch log
group with retention (EC2.6).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from specs.iam import flow_logs_role_policy, flow_logs_trust_policy
from specs.subnets import plan_subnets
from stack_config.model import NetworkSettings

# Interface endpoints a Fargate task needs without internet egress (ECR API and registry,
# CloudWatch Logs, Secrets Manager); ECR image layers come from S3 through a gateway endpoint.
INTERFACE_ENDPOINTS = ("ecr.api", "ecr.dkr", "logs", "secretsmanager")


@dataclass
class NetworkArgs:
    network: NetworkSettings
    region: str
    zones: list[str]
    """The region's regular zones (components/region.py); a new VPC uses the first
    ``network.availabilityZones`` of them. Empty for an existing VPC."""
    account_id: str = ""
    partition: str = "aws"
    """Where the flow logs role may be used from (its trust policy's confused-deputy conditions)."""


class Network(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    public_subnet_ids: pulumi.Output[list[str]]
    private_subnet_ids: pulumi.Output[list[str]]
    nat_public_ips: pulumi.Output[list[str]]
    """Where the private subnets' internet traffic comes from (empty for an existing VPC)."""
    task_subnet_ids: pulumi.Output[list[str]]
    """Where the tasks run: the private subnets, or the public ones with ``taskSubnets: public``."""
    tasks_public: bool
    """Tasks get a public IP (they run in the public subnets, egress through the internet gateway)."""

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("bluegreen:network:Network", name, None, opts)
        settings = args.network
        if settings.vpc_id is not None:
            self.vpc_id = pulumi.Output.from_input(settings.vpc_id)
            self.public_subnet_ids = pulumi.Output.from_input(settings.public_subnet_ids)
            self.private_subnet_ids = pulumi.Output.from_input(settings.private_subnet_ids)
            self.nat_public_ips = pulumi.Output.from_input([])
        else:
            self._create_vpc(name, args)
        self.tasks_public = settings.tasks_public
        self.task_subnet_ids = self.public_subnet_ids if self.tasks_public else self.private_subnet_ids
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "public_subnet_ids": self.public_subnet_ids,
                "private_subnet_ids": self.private_subnet_ids,
                "nat_public_ips": self.nat_public_ips,
                "task_subnet_ids": self.task_subnet_ids,
            }
        )

    def _create_vpc(self, name: str, args: NetworkArgs) -> None:
        settings = args.network
        child = pulumi.ResourceOptions(parent=self)
        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=settings.cidr_block,
            enable_dns_hostnames=True,  # needed for private DNS of interface endpoints
            enable_dns_support=True,
            tags={"Name": f"{name}-vpc"},
            opts=child,
        )
        gateway = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, opts=child)
        # EC2.2: adopt the VPC's default security group and keep it without any rule (the
        # provider revokes AWS's default ones); nothing here uses it.
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default",
            vpc_id=vpc.id,
            ingress=[],
            egress=[],
            tags={"Name": f"{name}-default-unused"},
            opts=child,
        )
        if settings.flow_logs.enabled:
            self._create_flow_logs(name, args, vpc)

        public_routes = aws.ec2.RouteTable(
            f"{name}-public",
            vpc_id=vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=gateway.id)],
            tags={"Name": f"{name}-public"},
            opts=child,
        )
        public_subnets: list[aws.ec2.Subnet] = []
        private_subnets: list[aws.ec2.Subnet] = []
        for index, cidrs in enumerate(plan_subnets(settings.cidr_block, settings.availability_zones)):
            zone = args.zones[index]
            suffix = index + 1  # zone ordinal, stable for a given region and account
            public = aws.ec2.Subnet(
                f"{name}-public-{suffix}",
                vpc_id=vpc.id,
                cidr_block=cidrs.public_cidr,
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags={"Name": f"{name}-public-{suffix}", "tier": "public"},
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{suffix}", subnet_id=public.id, route_table_id=public_routes.id, opts=child
            )
            private = aws.ec2.Subnet(
                f"{name}-private-{suffix}",
                vpc_id=vpc.id,
                cidr_block=cidrs.private_cidr,
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags={"Name": f"{name}-private-{suffix}", "tier": "private"},
                opts=child,
            )
            public_subnets.append(public)
            private_subnets.append(private)

        nat_gateways: list[aws.ec2.NatGateway] = []
        addresses: list[aws.ec2.Eip] = []
        for index in range(settings.nat_gateways):
            suffix = index + 1
            address = aws.ec2.Eip(f"{name}-nat-{suffix}", domain="vpc", opts=child)
            addresses.append(address)
            nat_gateways.append(
                aws.ec2.NatGateway(
                    f"{name}-nat-{suffix}",
                    allocation_id=address.id,
                    subnet_id=public_subnets[index].id,
                    tags={"Name": f"{name}-nat-{suffix}"},
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[gateway]),
                )
            )

        private_route_tables: list[aws.ec2.RouteTable] = []
        for index, private in enumerate(private_subnets):
            suffix = index + 1
            # Zones without their own NAT gateway share one (cheaper, less zone-resilient).
            routes = (
                [
                    aws.ec2.RouteTableRouteArgs(
                        cidr_block="0.0.0.0/0", nat_gateway_id=nat_gateways[index % len(nat_gateways)].id
                    )
                ]
                if nat_gateways
                else []
            )
            table = aws.ec2.RouteTable(
                f"{name}-private-{suffix}",
                vpc_id=vpc.id,
                routes=routes,
                tags={"Name": f"{name}-private-{suffix}"},
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{suffix}", subnet_id=private.id, route_table_id=table.id, opts=child
            )
            private_route_tables.append(table)

        if settings.vpc_endpoints:
            self._create_endpoints(name, args, vpc, private_subnets, private_route_tables)

        self.vpc_id = vpc.id
        self.public_subnet_ids = pulumi.Output.all(*[s.id for s in public_subnets])
        self.private_subnet_ids = pulumi.Output.all(*[s.id for s in private_subnets])
        self.nat_public_ips = pulumi.Output.all(*[a.public_ip for a in addresses])

    def _create_flow_logs(self, name: str, args: NetworkArgs, vpc: aws.ec2.Vpc) -> None:
        settings = args.network.flow_logs
        child = pulumi.ResourceOptions(parent=self)
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            name=f"/vpc/{name}/flow-logs",
            retention_in_days=settings.retention_days,
            opts=child,
        )
        role = aws.iam.Role(
            f"{name}-flow-logs-role",
            assume_role_policy=json.dumps(
                flow_logs_trust_policy(
                    account_id=args.account_id, partition=args.partition, region=args.region
                )
            ),
            description="VPC flow logs: write records into the VPC's flow log group",
            opts=child,
        )
        role_policy = aws.iam.RolePolicy(
            f"{name}-flow-logs-role",
            role=role.id,
            policy=log_group.arn.apply(lambda arn: json.dumps(flow_logs_role_policy(arn))),
            opts=child,
        )
        aws.ec2.FlowLog(
            f"{name}-flow-logs",
            vpc_id=vpc.id,
            traffic_type=settings.traffic_type,
            log_destination_type="cloud-watch-logs",
            log_destination=log_group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=600,
            tags={"Name": f"{name}-flow-logs"},
            # The flow log starts delivering at once: its role must already be allowed to write.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy]),
        )

    def _create_endpoints(
        self,
        name: str,
        args: NetworkArgs,
        vpc: aws.ec2.Vpc,
        private_subnets: list[aws.ec2.Subnet],
        private_route_tables: list[aws.ec2.RouteTable],
    ) -> None:
        child = pulumi.ResourceOptions(parent=self)
        endpoint_group = aws.ec2.SecurityGroup(
            f"{name}-endpoints",
            vpc_id=vpc.id,
            description="HTTPS from inside the VPC to AWS interface endpoints",
            ingress=[{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": [vpc.cidr_block]}],
            opts=child,
        )
        for service in INTERFACE_ENDPOINTS:
            aws.ec2.VpcEndpoint(
                f"{name}-{service.replace('.', '-')}",
                vpc_id=vpc.id,
                service_name=f"com.amazonaws.{args.region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=[s.id for s in private_subnets],
                security_group_ids=[endpoint_group.id],
                opts=child,
            )
        aws.ec2.VpcEndpoint(
            f"{name}-s3",
            vpc_id=vpc.id,
            service_name=f"com.amazonaws.{args.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[t.id for t in private_route_tables],
            opts=child,
        )
