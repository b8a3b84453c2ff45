#!/usr/bin/env node
// The fargate-bluegreen architecture (the prod stack of the Pulumi program at the repo
// root) written as an AWS CDK app in plain JavaScript, for bench/run.sh: `cdk synth` of
// this app is the yardstick the Pulumi offline preview (`make preview`) is timed against.
//
// Same shape as Pulumi.prod.yaml: VPC over 2 zones with a NAT gateway in each, ECR
// repository (scan on push, immutable tags, lifecycle rules), ALB with a production
// listener (80, blue) and a test listener (9000, green), Fargate service (512 CPU /
// 1024 MiB, 2 tasks, CODE_DEPLOY controller, container health check, auto scaling),
// CloudWatch alarms notifying an SNS topic, and a CodeDeploy deployment group
// (canary 10 % then the rest after 5 minutes, auto rollback on failure, stop and alarm).
//
// Offline on purpose: explicit account/region, the availability zones come from the
// "availability-zones:..." context key in cdk.json (so the CLI never asks EC2), and the
// image comes from the ECR repository by tag (no fromAsset, so no docker build).

"use strict";

const cdk = require("aws-cdk-lib");
const ec2 = require("aws-cdk-lib/aws-ec2");
const ecr = require("aws-cdk-lib/aws-ecr");
const ecs = require("aws-cdk-lib/aws-ecs");
const ecsPatterns = require("aws-cdk-lib/aws-ecs-patterns");
const elbv2 = require("aws-cdk-lib/aws-elasticloadbalancingv2");
const logs = require("aws-cdk-lib/aws-logs");
const sns = require("aws-cdk-lib/aws-sns");
const cloudwatch = require("aws-cdk-lib/aws-cloudwatch");
const cwActions = require("aws-cdk-lib/aws-cloudwatch-actions");
const codedeploy = require("aws-cdk-lib/aws-codedeploy");
const { Duration } = cdk;

const CONTAINER_PORT = 8080;
const TEST_LISTENER_PORT = 9000;
const IMAGE_TAG = "v1.0.0";

class FargateBlueGreenStack extends cdk.Stack {
  constructor(scope, id, props) {
    super(scope, id, props);

    // Network: 2 zones, a public and a private /20 in each, one NAT gateway per zone.
    const vpc = new ec2.Vpc(this, "Vpc", {
      ipAddresses: ec2.IpAddresses.cidr("10.0.0.0/16"),
      maxAzs: 2,
      natGateways: 2,
      subnetConfiguration: [
        { name: "public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 20 },
        { name: "private", subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
      ],
    });

    // Registry: scan on push, immutable tags, expire untagged after 7 days, keep 20.
    const repository = new ecr.Repository(this, "Repository", {
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      removalPolicy: cdk.RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          rulePriority: 1,
          description: "Expire untagged images older than 7 days",
          tagStatus: ecr.TagStatus.UNTAGGED,
          maxImageAge: Duration.days(7),
        },
        {
          rulePriority: 2,
          description: "Keep only the last 20 images",
          tagStatus: ecr.TagStatus.ANY,
          maxImageCount: 20,
        },
      ],
    });

    const cluster = new ecs.Cluster(this, "Cluster", {
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    const loadBalancer = new elbv2.ApplicationLoadBalancer(this, "LoadBalancer", {
      vpc,
      internetFacing: true,
      deletionProtection: true,
    });

    const logGroup = new logs.LogGroup(this, "Logs", {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });

    // Task definition: 512 CPU / 1024 MiB, the app container with its own health check
    // (the image's checker, as in the Pulumi program), logs kept 90 days.
    const taskDefinition = new ecs.FargateTaskDefinition(this, "TaskDefinition", {
      cpu: 512,
      memoryLimitMiB: 1024,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    taskDefinition.addContainer("app", {
      containerName: "app",
      image: ecs.ContainerImage.fromEcrRepository(repository, IMAGE_TAG),
      essential: true,
      portMappings: [{ containerPort: CONTAINER_PORT }],
      environment: { PORT: String(CONTAINER_PORT) },
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: "app", logGroup }),
      healthCheck: {
        command: ["CMD", "python", "-m", "server.healthcheck"],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(60),
      },
      stopTimeout: Duration.seconds(30),
    });

    // Service: the blue target group and the production listener on 80 come from the pattern.
    const fargate = new ecsPatterns.ApplicationLoadBalancedFargateService(this, "Service", {
      cluster,
      loadBalancer,
      taskDefinition,
      listenerPort: 80,
      publicLoadBalancer: true,
      desiredCount: 2,
      minHealthyPercent: 100, // ECS's own default for a replica service; CDK warns without it
      healthCheckGracePeriod: Duration.seconds(60),
      deploymentController: { type: ecs.DeploymentControllerType.CODE_DEPLOY },
      taskSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      assignPublicIp: false,
    });

    const healthCheck = {
      path: "/health",
      interval: Duration.seconds(30),
      timeout: Duration.seconds(5),
      healthyThresholdCount: 2,
      unhealthyThresholdCount: 2,
      healthyHttpCodes: "200",
    };
    const blue = fargate.targetGroup;
    blue.configureHealthCheck(healthCheck);
    blue.setAttribute("deregistration_delay.timeout_seconds", "30");

    // Green target group and the test listener CodeDeploy points at it before shifting.
    const green = new elbv2.ApplicationTargetGroup(this, "GreenTargetGroup", {
      vpc,
      port: CONTAINER_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      healthCheck,
      deregistrationDelay: Duration.seconds(30),
    });
    const testListener = loadBalancer.addListener("TestListener", {
      port: TEST_LISTENER_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      open: false, // reachable from inside the VPC only (the smoke tests), not the internet
      defaultTargetGroups: [green],
    });
    loadBalancer.connections.allowFrom(
      ec2.Peer.ipv4(vpc.vpcCidrBlock),
      ec2.Port.tcp(TEST_LISTENER_PORT),
      "test listener from inside the VPC",
    );

    // Auto scaling: 2 to 6 tasks on CPU 60 % and 1000 requests per target.
    const scaling = fargate.service.autoScaleTaskCount({ minCapacity: 2, maxCapacity: 6 });
    scaling.scaleOnCpuUtilization("Cpu", { targetUtilizationPercent: 60 });
    scaling.scaleOnRequestCount("Requests", { requestsPerTarget: 1000, targetGroup: blue });

    // Alarms: CPU > 80 % for 2 x 60 s, target 5xx, response time, unhealthy hosts per
    // target group; every one notifies the topic and rolls a release back.
    const topic = new sns.Topic(this, "AlarmTopic");
    const common = {
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    };
    const period = Duration.seconds(60);
    const alarms = [
      fargate.service.metricCpuUtilization({ period, statistic: "Average" }).createAlarm(this, "CpuHigh", {
        ...common,
        alarmDescription: "Service CPU above 80%",
        threshold: 80,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      }),
      loadBalancer.metrics
        .httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period, statistic: "Sum" })
        .createAlarm(this, "Target5xx", {
          ...common,
          alarmDescription: "At least 10 target 5xx responses per period",
          threshold: 10,
        }),
      loadBalancer.metrics.targetResponseTime({ period, statistic: "Average" }).createAlarm(this, "ResponseTime", {
        ...common,
        alarmDescription: "Average target response time of 2s or more",
        threshold: 2,
      }),
      blue.metrics.unhealthyHostCount({ period, statistic: "Maximum" }).createAlarm(this, "UnhealthyBlue", {
        ...common,
        alarmDescription: "1+ unhealthy targets in the blue target group",
        threshold: 1,
      }),
      green.metrics.unhealthyHostCount({ period, statistic: "Maximum" }).createAlarm(this, "UnhealthyGreen", {
        ...common,
        alarmDescription: "1+ unhealthy targets in the green target group",
        threshold: 1,
      }),
    ];
    for (const alarm of alarms) {
      alarm.addAlarmAction(new cwActions.SnsAction(topic));
      alarm.addOkAction(new cwActions.SnsAction(topic));
    }

    // CodeDeploy: blue/green between the two target groups behind the two listeners.
    const application = new codedeploy.EcsApplication(this, "DeployApplication");
    new codedeploy.EcsDeploymentGroup(this, "DeploymentGroup", {
      application,
      service: fargate.service,
      blueGreenDeploymentConfig: {
        blueTargetGroup: blue,
        greenTargetGroup: green,
        listener: fargate.listener,
        testListener,
        terminationWaitTime: Duration.minutes(5),
      },
      deploymentConfig: codedeploy.EcsDeploymentConfig.CANARY_10PERCENT_5MINUTES,
      alarms,
      autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
    });

    new cdk.CfnOutput(this, "Url", { value: `http://${loadBalancer.loadBalancerDnsName}` });
    new cdk.CfnOutput(this, "TestUrl", {
      value: `http://${loadBalancer.loadBalancerDnsName}:${TEST_LISTENER_PORT}`,
    });
    new cdk.CfnOutput(this, "RepositoryUri", { value: repository.repositoryUri });
    new cdk.CfnOutput(this, "AlarmTopicArn", { value: topic.topicArn });
  }
}

const app = new cdk.App();
new FargateBlueGreenStack(app, "FargateBlueGreen-prod", {
  env: { account: "123456789012", region: "us-east-1" },
});
app.synth();
