import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ACCOUNT,
  actionsOf,
  allStatements,
  arn,
  arnOf,
  logicalId,
  normalized,
  REGION,
  RUNBOOKS_DIR,
  resourcesOf,
  type Statement,
  type Synth,
  stagedAssetsWith,
  statementsOf,
  synth,
} from './support.js';

// One synth for the whole file: the default settings, Lambda consumer.
let s: Synth;
let t: Template;
let ids: { stream: string; leases: string; incidents: string; role: string; automation: string };
beforeAll(async () => {
  s = await synth({});
  t = s.template;
  ids = {
    stream: logicalId(t, 'AWS::Kinesis::Stream', 'Signals'),
    leases: logicalId(t, 'AWS::DynamoDB::Table', 'Leases'),
    incidents: logicalId(t, 'AWS::DynamoDB::Table', 'Incidents'),
    role: logicalId(t, 'AWS::IAM::Role', 'LambdaConsumerRole'),
    automation: logicalId(t, 'AWS::IAM::Role', 'AutomationRole'),
  };
}, 60_000);
// The assembly (with the bundled consumer) goes to a temporary folder CDK picked.
afterAll(() => {
  if (s) rmSync(s.outdir, { recursive: true, force: true });
});

const commandDocs = () => s.documents.filter((d) => d.type === 'Command').map((d) => d.name);
const automationDocs = () => s.documents.filter((d) => d.type === 'Automation').map((d) => d.name);
const docArn = (name: string) =>
  arn(name.startsWith('AWS-') ? `ssm:${REGION}::document/${name}` : `ssm:${REGION}:${ACCOUNT}:document/${name}`);

describe('the stream and what feeds it', () => {
  it('is a provisioned stream with the default shard count, a day of retention and the AWS-managed key', () => {
    t.resourceCountIs('AWS::Kinesis::Stream', 1);
    t.hasResourceProperties('AWS::Kinesis::Stream', {
      ShardCount: 2,
      RetentionPeriodHours: 24,
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
    });
  });

  it('subscribes a log group with a role only regional CloudWatch Logs of this account can assume', () => {
    const logsRole = logicalId(t, 'AWS::IAM::Role', 'IngestionLogsToKinesisRole');
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: `logs.${REGION}.amazonaws.com` },
            Condition: { StringLike: { 'aws:SourceArn': arn(`logs:${REGION}:${ACCOUNT}:*`) } },
          },
        ],
      },
    });
    expect(statementsOf(t, logsRole)).toEqual([
      { Action: 'kinesis:PutRecord', Effect: 'Allow', Resource: arnOf(ids.stream) },
    ]);
    t.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aiops/example-service', RetentionInDays: 14 });
    const filter = t.findResources('AWS::Logs::SubscriptionFilter');
    expect(Object.values(filter)).toHaveLength(1);
    const only = Object.values(filter)[0]!;
    expect(only.Properties).toEqual({
      DestinationArn: arnOf(ids.stream),
      RoleArn: arnOf(logsRole),
      FilterPattern: '',
      FilterName: 'aiops',
      LogGroupName: { Ref: logicalId(t, 'AWS::Logs::LogGroup', 'IngestionExampleServiceLogs') },
    });
    // Created after the role's policy, or CloudWatch Logs' test record is refused.
    expect(only.DependsOn).toEqual(
      expect.arrayContaining([logicalId(t, 'AWS::IAM::Policy', 'IngestionLogsToKinesisRole')]),
    );
  });

  it('routes alarm state changes to the stream keyed by alarm name, through a PutRecord-only role', () => {
    const eventsRole = logicalId(t, 'AWS::IAM::Role', 'IngestionEventsToKinesisRole');
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] },
      State: 'ENABLED',
      Targets: [
        {
          Arn: arnOf(ids.stream),
          RoleArn: arnOf(eventsRole),
          KinesisParameters: { PartitionKeyPath: '$.detail.alarmName' },
          RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 20 },
          Id: Match.anyValue(),
        },
      ],
    });
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
          },
        ],
      },
    });
    expect(statementsOf(t, eventsRole)).toEqual([
      { Action: 'kinesis:PutRecord', Effect: 'Allow', Resource: arnOf(ids.stream) },
    ]);
  });
});

describe('the tables', () => {
  it('has a lease table keyed by leaseKey, as the Kinesis Client Library and the lease coordinator use it', () => {
    t.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'leaseKey', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    t.hasResource('AWS::DynamoDB::Table', {
      Properties: { KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }] },
      DeletionPolicy: 'Delete',
    });
  });

  it('has an incident table with the state store key names, TTL on ttl, point-in-time recovery, kept on delete', () => {
    t.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });
});

describe('the runbook catalog', () => {
  it('is read from examples/runbooks with the executor loader', () => {
    expect(commandDocs()).toContain('Aiops-RestartSystemdUnit');
    expect(automationDocs()).toContain('AWS-RestartEC2Instance');
  });

  it('deploys every document the repository keeps, with its content, and none it only names', () => {
    const kept = s.documents.filter((d) => d.content);
    t.resourceCountIs('AWS::SSM::Document', kept.length);
    for (const d of kept) {
      t.hasResourceProperties('AWS::SSM::Document', {
        Name: d.name,
        DocumentType: d.type,
        DocumentFormat: 'YAML',
        UpdateMethod: 'NewVersion',
        Content: d.content,
      });
    }
    const restart = readdirSync(join(RUNBOOKS_DIR, 'documents')).find((f) => f.startsWith('restart-systemd-unit'));
    expect(restart).toBeDefined();
    const doc = s.documents.find((d) => d.name === 'Aiops-RestartSystemdUnit')!;
    expect(doc.content).toEqual(parse(readFileSync(join(RUNBOOKS_DIR, 'documents', restart!), 'utf8')));
    expect(Object.values(t.findResources('AWS::SSM::Document')).map((r) => r.Properties.Name)).not.toContain(
      'AWS-RestartEC2Instance',
    );
  });
});

describe('the Lambda consumer', () => {
  it('runs the bundled handler on Node 22 with the tables, model and dry run in its environment', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Architectures: ['arm64'],
      Timeout: 300,
      Role: arnOf(ids.role),
      Environment: {
        Variables: {
          AIOPS_INCIDENT_TABLE: { Ref: ids.incidents },
          AIOPS_STORE_NAMESPACE: 'aiops',
          AIOPS_BEDROCK_MODEL_ID: 'anthropic.claude-3-5-haiku-20241022-v1:0',
          AIOPS_DRY_RUN: 'true',
          AIOPS_AUTOMATION_ROLE_ARN: arnOf(ids.automation),
          AIOPS_RUNBOOKS_DIR: '/var/task/runbooks',
        },
      },
    });
  });

  it('bundled the handler and the catalog into the asset at synth, without Docker', () => {
    const staged = stagedAssetsWith(s.outdir, 'index.mjs');
    expect(staged).toHaveLength(1);
    expect(readdirSync(join(s.outdir, staged[0]!, 'runbooks'))).toEqual(
      expect.arrayContaining(['runbooks', 'documents']),
    );
  });

  it('maps the stream with partial batch responses, bisection, bounded retries and a failure queue', () => {
    const queue = logicalId(t, 'AWS::SQS::Queue', 'LambdaConsumerFailures');
    t.hasResource('AWS::Lambda::EventSourceMapping', {
      Properties: {
        EventSourceArn: arnOf(ids.stream),
        FunctionName: { Ref: logicalId(t, 'AWS::Lambda::Function', 'LambdaConsumerFunction') },
        StartingPosition: 'LATEST',
        BatchSize: 500,
        MaximumBatchingWindowInSeconds: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 5,
        MaximumRecordAgeInSeconds: 21_600,
        ParallelizationFactor: 1,
        DestinationConfig: { OnFailure: { Destination: arnOf(queue) } },
      },
      DependsOn: Match.arrayWith([logicalId(t, 'AWS::IAM::Policy', 'LambdaConsumerRole')]),
    });
    t.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 1_209_600, SqsManagedSseEnabled: true });
  });

  it("gets exactly the statements it needs, each on this stack's resources", () => {
    const commands = commandDocs();
    const automations = automationDocs();
    const expected: Statement[] = [
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: arnOf(logicalId(t, 'AWS::Logs::LogGroup', 'LambdaConsumerLogs')),
      },
      {
        Effect: 'Allow',
        Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        Resource: arnOf(logicalId(t, 'AWS::SQS::Queue', 'LambdaConsumerFailures')),
      },
      {
        Effect: 'Allow',
        Action: [
          'kinesis:DescribeStream',
          'kinesis:DescribeStreamSummary',
          'kinesis:GetRecords',
          'kinesis:GetShardIterator',
          'kinesis:ListShards',
        ],
        Resource: arnOf(ids.stream),
      },
      {
        Effect: 'Allow',
        Action: [
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ],
        Resource: arnOf(ids.incidents),
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['aiops#*'] } },
      },
      {
        Effect: 'Allow',
        Action: 'bedrock:InvokeModel',
        Resource: arn(`bedrock:${REGION}::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0`),
      },
      { Effect: 'Allow', Action: 'ssm:SendCommand', Resource: commands.map(docArn) },
      {
        Effect: 'Allow',
        Action: 'ssm:SendCommand',
        Resource: [arn(`ec2:${REGION}:${ACCOUNT}:instance/*`), arn(`ssm:${REGION}:${ACCOUNT}:managed-instance/*`)],
        Condition: { StringEquals: { 'ssm:resourceTag/aiops-remediation': 'enabled' } },
      },
      {
        Effect: 'Allow',
        Action: 'ssm:StartAutomationExecution',
        Resource: automations.flatMap((n) => [docArn(n), arn(`ssm:${REGION}:${ACCOUNT}:automation-definition/${n}:*`)]),
      },
      {
        Effect: 'Allow',
        Action: ['ssm:GetAutomationExecution', 'ssm:StopAutomationExecution'],
        Resource: arn(`ssm:${REGION}:${ACCOUNT}:automation-execution/*`),
      },
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: arnOf(ids.automation),
        Condition: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
      },
      {
        Effect: 'Allow',
        Action: ['ssm:CancelCommand', 'ssm:GetCommandInvocation', 'ssm:ListCommandInvocations', 'ssm:ListCommands'],
        Resource: '*',
      },
    ];
    expect(normalized(statementsOf(t, ids.role))).toEqual(normalized(expected));
    // No managed policy (AWSLambdaBasicExecutionRole would allow writing to every log group).
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
      }),
      ManagedPolicyArns: Match.absent(),
    });
  });

  it('never touches the lease table: Lambda keeps the checkpoints', () => {
    const onLeases = allStatements(t).filter((st) =>
      resourcesOf(st).some((r) => JSON.stringify(r) === JSON.stringify(arnOf(ids.leases))),
    );
    expect(onLeases).toEqual([]);
  });
});

describe('the automation role', () => {
  it('is assumable by Systems Manager Automation of this account only', () => {
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'ssm.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': ACCOUNT },
              ArnLike: { 'aws:SourceArn': arn(`ssm:${REGION}:${ACCOUNT}:automation-execution/*`) },
            },
          },
        ],
      },
    });
  });

  it('may only change instances and groups that carry the remediation tag', () => {
    const tagged = { StringEquals: { 'aws:ResourceTag/aiops-remediation': 'enabled' } };
    expect(normalized(statementsOf(t, ids.automation))).toEqual(
      normalized([
        {
          Effect: 'Allow',
          Action: 'autoscaling:SetDesiredCapacity',
          Resource: arn(`autoscaling:${REGION}:${ACCOUNT}:autoScalingGroup:*:autoScalingGroupName/*`),
          Condition: tagged,
        },
        { Effect: 'Allow', Action: 'autoscaling:DescribeAutoScalingGroups', Resource: '*' },
        {
          Effect: 'Allow',
          Action: ['ec2:StartInstances', 'ec2:StopInstances'],
          Resource: arn(`ec2:${REGION}:${ACCOUNT}:instance/*`),
          Condition: tagged,
        },
        { Effect: 'Allow', Action: ['ec2:DescribeInstanceStatus', 'ec2:DescribeInstances'], Resource: '*' },
      ]),
    );
  });
});

describe('least privilege across the whole template', () => {
  it('grants no Kinesis, DynamoDB or Bedrock action on *, and no action wildcard', () => {
    for (const st of allStatements(t)) {
      for (const action of actionsOf(st)) expect(action).not.toContain('*');
      if (actionsOf(st).some((a) => /^(kinesis|dynamodb|bedrock):/.test(a))) {
        expect(resourcesOf(st)).not.toContain('*');
      }
    }
  });

  it('allows no Scan, batch write or table operation on DynamoDB in the Lambda variant', () => {
    const dynamo = allStatements(t)
      .flatMap(actionsOf)
      .filter((a) => a.startsWith('dynamodb:'));
    expect(new Set(dynamo)).toEqual(
      new Set(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']),
    );
  });

  it('attaches no managed policy to any role', () => {
    for (const role of Object.values(t.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});
