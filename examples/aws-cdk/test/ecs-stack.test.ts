import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  actionsOf,
  allStatements,
  arn,
  arnOf,
  logicalId,
  normalized,
  REGION,
  resourcesOf,
  type Statement,
  type Synth,
  stagedAssetsWith,
  statementsOf,
  synth,
} from './support.js';

// One synth for the whole file: the ECS consumer with every setting changed from its default.
const PROFILE = 'eu.anthropic.claude-3-7-sonnet-20250219-v1:0';
let s: Synth;
let t: Template;
let ids: { stream: string; leases: string; incidents: string; role: string };
beforeAll(async () => {
  s = await synth({
    'aiops:consumer': 'ecs',
    'aiops:shardCount': '4',
    'aiops:retentionHours': '48',
    'aiops:workers': '3',
    'aiops:bedrockModelId': PROFILE,
    'aiops:targetTagKey': 'Team',
    'aiops:targetTagValue': 'checkout',
    'aiops:logGroups': '/ecs/checkout, /ecs/payments',
    'aiops:logFilterPattern': '{ $.level = "error" || $.level = "warn" }',
    'aiops:storeNamespace': 'prod',
    'aiops:dryRun': 'false',
  });
  t = s.template;
  ids = {
    stream: logicalId(t, 'AWS::Kinesis::Stream', 'Signals'),
    leases: logicalId(t, 'AWS::DynamoDB::Table', 'Leases'),
    incidents: logicalId(t, 'AWS::DynamoDB::Table', 'Incidents'),
    role: logicalId(t, 'AWS::IAM::Role', 'EcsConsumerTaskRole'),
  };
}, 60_000);
// The assembly (with the bundled consumer) goes to a temporary folder CDK picked.
afterAll(() => {
  if (s) rmSync(s.outdir, { recursive: true, force: true });
});

describe('settings from CDK context', () => {
  it('sizes the stream', () => {
    t.hasResourceProperties('AWS::Kinesis::Stream', { ShardCount: 4, RetentionPeriodHours: 48 });
  });

  it('subscribes the given log groups with the given pattern, and creates no example log group', () => {
    const filters = Object.values(t.findResources('AWS::Logs::SubscriptionFilter')).map((f) => f.Properties);
    expect(filters.map((f) => f.LogGroupName).sort()).toEqual(['/ecs/checkout', '/ecs/payments']);
    for (const f of filters) {
      expect(f.FilterPattern).toBe('{ $.level = "error" || $.level = "warn" }');
      expect(f.DestinationArn).toEqual(arnOf(ids.stream));
    }
    // The only log group is the worker's own.
    t.resourceCountIs('AWS::Logs::LogGroup', 1);
  });
});

describe('the ECS consumer', () => {
  it('runs the worker image as a Fargate service of three tasks, replaced one by one with rollback', () => {
    t.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DesiredCount: 3,
      DeploymentConfiguration: {
        MinimumHealthyPercent: 100,
        MaximumPercent: 200,
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      },
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'ENABLED' }) },
    });
  });

  it('gives the container its stream, tables, model and a stop timeout long enough to hand leases back', () => {
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      Cpu: '512',
      Memory: '1024',
      TaskRoleArn: arnOf(ids.role),
      RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [
        Match.objectLike({
          Name: 'worker',
          StopTimeout: 120,
          PortMappings: [{ ContainerPort: 8080, Protocol: 'tcp' }],
          HealthCheck: Match.objectLike({ Command: Match.arrayWith(['CMD', 'node']), Retries: 3 }),
          Environment: Match.arrayEquals([
            { Name: 'AIOPS_INCIDENT_TABLE', Value: { Ref: ids.incidents } },
            { Name: 'AIOPS_STORE_NAMESPACE', Value: 'prod' },
            { Name: 'AIOPS_BEDROCK_MODEL_ID', Value: PROFILE },
            { Name: 'AIOPS_DRY_RUN', Value: 'false' },
            { Name: 'AIOPS_AUTOMATION_ROLE_ARN', Value: arnOf(logicalId(t, 'AWS::IAM::Role', 'AutomationRole')) },
            { Name: 'AIOPS_STREAM_NAME', Value: { Ref: ids.stream } },
            { Name: 'AIOPS_LEASE_TABLE', Value: { Ref: ids.leases } },
          ]),
        }),
      ],
    });
  });

  it('staged the image context at synth: Dockerfile, bundled worker and catalog (no docker build)', () => {
    const staged = stagedAssetsWith(s.outdir, 'Dockerfile');
    expect(staged).toHaveLength(1);
    const files = readdirSync(join(s.outdir, staged[0]!));
    expect(files).toEqual(expect.arrayContaining(['Dockerfile', 'worker.mjs', 'runbooks']));
  });

  it('has a task role only ECS tasks of this account can assume', () => {
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'ecs-tasks.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': ACCOUNT },
              ArnLike: { 'aws:SourceArn': arn(`ecs:${REGION}:${ACCOUNT}:*`) },
            },
          },
        ],
      },
    });
  });

  it('gets exactly the statements it needs: leases, its namespace, the inference profile, tagged targets', () => {
    const commands = s.documents.filter((d) => d.type === 'Command').map((d) => d.name);
    const automations = s.documents.filter((d) => d.type === 'Automation').map((d) => d.name);
    const docArn = (n: string) =>
      arn(n.startsWith('AWS-') ? `ssm:${REGION}::document/${n}` : `ssm:${REGION}:${ACCOUNT}:document/${n}`);
    const profileArn = arn(`bedrock:${REGION}:${ACCOUNT}:inference-profile/${PROFILE}`);
    const expected: Statement[] = [
      {
        Effect: 'Allow',
        Action: ['kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards'],
        Resource: arnOf(ids.stream),
      },
      {
        Effect: 'Allow',
        Action: ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'],
        Resource: arnOf(ids.leases),
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
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['prod#*'] } },
      },
      { Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: profileArn },
      {
        Effect: 'Allow',
        Action: 'bedrock:InvokeModel',
        Resource: arn('bedrock:*::foundation-model/anthropic.claude-3-7-sonnet-20250219-v1:0'),
        Condition: { StringEquals: { 'bedrock:InferenceProfileArn': profileArn } },
      },
      { Effect: 'Allow', Action: 'ssm:SendCommand', Resource: commands.map(docArn) },
      {
        Effect: 'Allow',
        Action: 'ssm:SendCommand',
        Resource: [arn(`ec2:${REGION}:${ACCOUNT}:instance/*`), arn(`ssm:${REGION}:${ACCOUNT}:managed-instance/*`)],
        Condition: { StringEquals: { 'ssm:resourceTag/Team': 'checkout' } },
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
        Resource: arnOf(logicalId(t, 'AWS::IAM::Role', 'AutomationRole')),
        Condition: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
      },
      {
        Effect: 'Allow',
        Action: ['ssm:CancelCommand', 'ssm:GetCommandInvocation', 'ssm:ListCommandInvocations', 'ssm:ListCommands'],
        Resource: '*',
      },
    ];
    expect(normalized(statementsOf(t, ids.role))).toEqual(normalized(expected));
  });

  it('scopes the automation role to the configured tag', () => {
    const automation = logicalId(t, 'AWS::IAM::Role', 'AutomationRole');
    const conditions = statementsOf(t, automation)
      .filter((st) => st.Condition)
      .map((st) => st.Condition);
    expect(conditions).toEqual([
      { StringEquals: { 'aws:ResourceTag/Team': 'checkout' } },
      { StringEquals: { 'aws:ResourceTag/Team': 'checkout' } },
    ]);
  });

  it('lets the execution role pull the image and write the worker log group only', () => {
    const exec = logicalId(t, 'AWS::IAM::Role', 'EcsConsumerTaskExecutionRole');
    const statements = statementsOf(t, exec);
    expect(statements.flatMap(actionsOf).sort()).toEqual([
      'ecr:BatchCheckLayerAvailability',
      'ecr:BatchGetImage',
      'ecr:GetAuthorizationToken',
      'ecr:GetDownloadUrlForLayer',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
    const logs = statements.find((st) => actionsOf(st).includes('logs:PutLogEvents'))!;
    expect(logs.Resource).toEqual(arnOf(logicalId(t, 'AWS::Logs::LogGroup', 'EcsConsumerLogs')));
  });
});

describe('least privilege across the whole template', () => {
  it('grants no Kinesis, DynamoDB or Bedrock action on *, and Scan only on the lease table', () => {
    for (const st of allStatements(t)) {
      if (actionsOf(st).some((a) => /^(kinesis|dynamodb|bedrock):/.test(a))) {
        expect(resourcesOf(st)).not.toContain('*');
      }
      if (actionsOf(st).includes('dynamodb:Scan')) expect(resourcesOf(st)).toEqual([arnOf(ids.leases)]);
      for (const a of actionsOf(st)) expect(a).not.toMatch(/^dynamodb:(CreateTable|DeleteTable|BatchWriteItem)$/);
    }
  });
});
