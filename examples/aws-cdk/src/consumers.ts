// The two ways to run the consumer: a Lambda function behind a Kinesis event source mapping, or an
// ECS Fargate service whose tasks share the shards through DynamoDB leases. Both get a role of their
// own with no managed policy; the stack adds the statements of src/permissions.ts to it.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack, Stage } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { bundleConsumer, EXAMPLE_DIR } from './bundle.js';

/** Options shared by both consumers. */
export interface ConsumerProps {
  readonly stream: kinesis.IStream;
  /** Environment of the consumer process (tables, namespace, model, dry run...). */
  readonly environment: Readonly<Record<string, string>>;
  /** The runbook repository bundled with the consumer (the executor reads its catalog from disk). */
  readonly runbooksDir: string;
}

/** Options of {@link LambdaConsumer}. */
export interface LambdaConsumerProps extends ConsumerProps {
  readonly batchSize: number;
  readonly retryAttempts: number;
  readonly parallelizationFactor: number;
}

/** The Lambda consumer: function, log group, role, event source mapping and failure queue. */
export class LambdaConsumer extends Construct {
  readonly role: iam.Role;
  readonly function: lambda.Function;
  readonly mapping: lambda.EventSourceMapping;
  readonly failures: sqs.Queue;

  constructor(scope: Construct, id: string, props: LambdaConsumerProps) {
    super(scope, id);
    this.role = new iam.Role(this, 'Role', {
      description: 'aiops Lambda consumer',
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Instead of AWSLambdaBasicExecutionRole (logs:CreateLogGroup and writes on every log group).
    logGroup.grantWrite(this.role);
    this.function = new lambda.Function(this, 'Function', {
      description: 'aiops: decode, detect, group into incidents, analyze and act, per Kinesis batch',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      // The handler folder, bundled by esbuild in this process (local bundling): no Docker, no
      // prior build. The Docker image is only CDK's fallback when local bundling is unavailable.
      code: lambda.Code.fromAsset(join(EXAMPLE_DIR, 'lambda'), {
        bundling: {
          image: lambda.Runtime.NODEJS_22_X.bundlingImage,
          local: {
            tryBundle(outputDir) {
              bundleConsumer('lambda/handler.ts', outputDir, 'index.mjs', props.runbooksDir);
              return true;
            },
          },
        },
      }),
      memorySize: 1024,
      // Long enough for a batch's analyses; a runbook still running at the end is resumed from the
      // outbox by the next batch.
      timeout: Duration.minutes(5),
      role: this.role,
      logGroup,
      environment: {
        ...props.environment,
        AIOPS_RUNBOOKS_DIR: '/var/task/runbooks',
      },
    });
    this.failures = new sqs.Queue(this, 'Failures', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.mapping = new lambda.EventSourceMapping(this, 'Mapping', {
      target: this.function,
      eventSourceArn: props.stream.streamArn,
      startingPosition: lambda.StartingPosition.LATEST,
      batchSize: props.batchSize,
      maxBatchingWindow: Duration.seconds(1),
      // The handler names the first record it could not finish; Lambda checkpoints before it.
      reportBatchItemFailures: true,
      // A batch that throws is split in two until the poison record is alone.
      bisectBatchOnError: true,
      retryAttempts: props.retryAttempts,
      maxRecordAge: Duration.hours(6),
      parallelizationFactor: props.parallelizationFactor,
      // What still fails is described (shard, sequence numbers) on this queue, not lost.
      onFailure: new SqsDlq(this.failures),
    });
    // Lambda checks its permissions on the stream when the mapping is created.
    this.mapping.node.addDependency(this.role);
  }
}

/** Options of {@link EcsConsumer}. */
export interface EcsConsumerProps extends ConsumerProps {
  readonly workers: number;
  /** Defaults to a new VPC with two public subnets and no NAT gateway. */
  readonly vpc?: ec2.IVpc;
}

/** The ECS consumer: cluster, Fargate task definition with the worker image, service. */
export class EcsConsumer extends Construct {
  readonly taskRole: iam.Role;
  readonly service: ecs.FargateService;
  readonly taskDefinition: ecs.FargateTaskDefinition;

  constructor(scope: Construct, id: string, props: EcsConsumerProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const ownVpc = props.vpc === undefined;
    const vpc =
      props.vpc ??
      new ec2.Vpc(this, 'Vpc', {
        maxAzs: 2,
        natGateways: 0,
        subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }],
      });
    const cluster = new ecs.Cluster(this, 'Cluster', { vpc });
    this.taskRole = new iam.Role(this, 'TaskRole', {
      description: 'aiops ECS worker',
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'ecs', resource: '*' }) },
      }),
    });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: 512,
      memoryLimitMiB: 1024,
      taskRole: this.taskRole,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    // The image context is staged at synth: the worker bundled by esbuild, the catalog and the
    // Dockerfile. `cdk deploy` builds and pushes it; `cdk synth` (and the tests) only stage it.
    const context = join(Stage.of(this)?.outdir ?? EXAMPLE_DIR, 'aiops-worker-image');
    bundleConsumer('worker/main.ts', context, 'worker.mjs', props.runbooksDir);
    copyFileSync(join(EXAMPLE_DIR, 'worker', 'Dockerfile'), join(context, 'Dockerfile'));
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.taskDefinition.addContainer('worker', {
      image: ecs.ContainerImage.fromAsset(context, {
        platform: Platform.LINUX_AMD64,
      }),
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'worker', logGroup }),
      environment: { ...props.environment },
      portMappings: [{ containerPort: 8080 }],
      healthCheck: {
        command: [
          'CMD',
          'node',
          '-e',
          "fetch('http://127.0.0.1:8080/').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))",
        ],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        startPeriod: Duration.seconds(30),
        retries: 3,
      },
      // SIGTERM, then this long to drain, checkpoint and hand the leases back (Fargate's maximum).
      stopTimeout: Duration.seconds(120),
    });
    this.service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: props.workers,
      assignPublicIp: ownVpc,
      // Replace tasks one by one: the old ones hand their leases back as they stop.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
    });
  }
}
