// Every IAM statement the consumers and the automation role get, each scoped as narrowly as IAM can
// express. docs/deploying-on-aws.md explains each one; the tests assert them action by action.
import { ArnFormat, type Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type { CatalogDocument } from './catalog.js';

/** What the Lambda event source mapping needs on the stream (it reads it on the function's behalf). */
export const LAMBDA_STREAM_ACTIONS = [
  'kinesis:DescribeStream',
  'kinesis:DescribeStreamSummary',
  'kinesis:GetRecords',
  'kinesis:GetShardIterator',
  'kinesis:ListShards',
];
/** What @aiops/ingest's Kinesis source calls: ListShards, GetShardIterator, GetRecords. */
export const WORKER_STREAM_ACTIONS = ['kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards'];
/** What createDynamoDbStateStore calls; every write it makes carries a condition expression. */
export const INCIDENT_TABLE_ACTIONS = [
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
];
/** What the lease coordinator calls: a Scan of the (one item per shard) table each take round, conditional writes. */
export const LEASE_TABLE_ACTIONS = ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'];
/** The executor follows runs with these; SSM gives them no resource-level permissions. */
export const SSM_FOLLOW_ACTIONS = [
  'ssm:CancelCommand',
  'ssm:GetCommandInvocation',
  'ssm:ListCommandInvocations',
  'ssm:ListCommands',
];

/**
 * The permissions each Automation document of the catalog needs in the role it assumes. A document
 * not listed here fails the synth: add what it calls, scoped to the remediation tag.
 */
export const AUTOMATION_PERMISSIONS: Readonly<
  Record<string, (scope: Stack, tag: { key: string; value: string }) => iam.PolicyStatement[]>
> = {
  'AWS-RestartEC2Instance': (stack, tag) => [
    new iam.PolicyStatement({
      actions: ['ec2:StartInstances', 'ec2:StopInstances'],
      resources: [stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' })],
      conditions: { StringEquals: { [`aws:ResourceTag/${tag.key}`]: tag.value } },
    }),
    new iam.PolicyStatement({ actions: ['ec2:DescribeInstanceStatus', 'ec2:DescribeInstances'], resources: ['*'] }),
  ],
  'Aiops-ScaleOutAutoScalingGroup': (stack, tag) => [
    new iam.PolicyStatement({
      actions: ['autoscaling:SetDesiredCapacity'],
      resources: [
        stack.formatArn({
          service: 'autoscaling',
          resource: 'autoScalingGroup',
          resourceName: '*:autoScalingGroupName/*',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      conditions: { StringEquals: { [`aws:ResourceTag/${tag.key}`]: tag.value } },
    }),
    new iam.PolicyStatement({ actions: ['autoscaling:DescribeAutoScalingGroups'], resources: ['*'] }),
  ],
};

/** ARN of an SSM document: AWS-owned documents (`AWS-…`) have no account in theirs. */
export function documentArn(stack: Stack, name: string): string {
  return stack.formatArn({
    service: 'ssm',
    resource: 'document',
    resourceName: name,
    ...(name.startsWith('AWS-') ? { account: '' } : {}),
  });
}

/** Kinesis read on this stream only. */
export function grantStreamRead(role: iam.IRole, stream: kinesis.IStream, actions: readonly string[]): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...actions], resources: [stream.streamArn] }));
}

/**
 * The incident table: item reads and writes only (no Scan, no batch writes, no table operations),
 * and only on partition keys of the pipeline's namespace (`dynamodb:LeadingKeys`), so the consumer
 * cannot touch another application's items if the table is shared.
 */
export function grantIncidentTable(role: iam.IRole, table: dynamodb.ITable, namespace: string): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: [...INCIDENT_TABLE_ACTIONS],
      resources: [table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${namespace}#*`] } },
    }),
  );
}

/** The lease table: what the lease coordinator calls, nothing to create or delete the table. */
export function grantLeaseTable(role: iam.IRole, table: dynamodb.ITable): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: [...LEASE_TABLE_ACTIONS], resources: [table.tableArn] }),
  );
}

/** Cross-region inference profiles are ids with a geography prefix. */
const PROFILE_PREFIX = /^(us|eu|apac|us-gov|ca|jp|au|global)\./;

/**
 * `bedrock:InvokeModel` (what the Converse API is authorised as) on the chosen model only. For an
 * inference profile: the profile, and the foundation model behind it in any region, but only when
 * reached through that profile.
 */
export function grantBedrockModel(role: iam.IRole, stack: Stack, modelId: string): void {
  const profile = PROFILE_PREFIX.exec(modelId);
  if (!profile) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['bedrock:InvokeModel'],
        resources: [
          stack.formatArn({ service: 'bedrock', account: '', resource: 'foundation-model', resourceName: modelId }),
        ],
      }),
    );
    return;
  }
  const profileArn = stack.formatArn({ service: 'bedrock', resource: 'inference-profile', resourceName: modelId });
  const baseModel = modelId.slice(profile[0].length);
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: [profileArn] }));
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['bedrock:InvokeModel'],
      resources: [
        stack.formatArn({
          service: 'bedrock',
          region: '*',
          account: '',
          resource: 'foundation-model',
          resourceName: baseModel,
        }),
      ],
      conditions: { StringEquals: { 'bedrock:InferenceProfileArn': profileArn } },
    }),
  );
}

/**
 * Systems Manager: Run Command with the catalog's Command documents, on instances carrying the
 * remediation tag only; Automation with the catalog's Automation documents, passing only the
 * automation role; following and cancelling what it started.
 */
export function grantRunbooks(
  role: iam.IRole,
  stack: Stack,
  documents: readonly CatalogDocument[],
  tag: { key: string; value: string },
  automationRole: iam.IRole | undefined,
): void {
  const commands = documents.filter((d) => d.type === 'Command');
  const automations = documents.filter((d) => d.type === 'Automation');
  if (commands.length > 0) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:SendCommand'],
        resources: commands.map((d) => documentArn(stack, d.name)),
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:SendCommand'],
        resources: [
          stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' }),
          stack.formatArn({ service: 'ssm', resource: 'managed-instance', resourceName: '*' }),
        ],
        conditions: { StringEquals: { [`ssm:resourceTag/${tag.key}`]: tag.value } },
      }),
    );
  }
  if (automations.length > 0) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:StartAutomationExecution'],
        resources: automations.flatMap((d) => [
          documentArn(stack, d.name),
          stack.formatArn({ service: 'ssm', resource: 'automation-definition', resourceName: `${d.name}:*` }),
        ]),
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:GetAutomationExecution', 'ssm:StopAutomationExecution'],
        resources: [stack.formatArn({ service: 'ssm', resource: 'automation-execution', resourceName: '*' })],
      }),
    );
    if (automationRole) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['iam:PassRole'],
          resources: [automationRole.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
        }),
      );
    }
  }
  if (documents.length > 0) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...SSM_FOLLOW_ACTIONS], resources: ['*'] }));
  }
}
