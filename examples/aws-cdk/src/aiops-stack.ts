import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { ENV } from '../consumer/pipeline.js';
import type { CatalogDocument } from './catalog.js';
import type { AiopsSettings } from './config.js';
import { EcsConsumer, LambdaConsumer } from './consumers.js';
import { Ingestion } from './ingestion.js';
import {
  AUTOMATION_PERMISSIONS,
  grantBedrockModel,
  grantIncidentTable,
  grantLeaseTable,
  grantRunbooks,
  grantStreamRead,
  LAMBDA_STREAM_ACTIONS,
  WORKER_STREAM_ACTIONS,
} from './permissions.js';

/** Options of {@link AiopsStack}. */
export interface AiopsStackProps extends StackProps {
  readonly settings: AiopsSettings;
  /** The SSM documents of the runbook catalog (see `readCatalogDocuments`). */
  readonly documents: readonly CatalogDocument[];
  /** The runbook repository folder, bundled with the consumer. */
  readonly runbooksDir: string;
  /** ECS only: run in this VPC instead of a new one. */
  readonly vpc?: ec2.IVpc;
}

/**
 * The @aiops loop on AWS: a Kinesis stream fed by a CloudWatch Logs subscription and an EventBridge
 * alarm rule, DynamoDB lease and incident tables, the catalog's SSM documents, and one consumer
 * (Lambda or ECS) with least-privilege IAM.
 */
export class AiopsStack extends Stack {
  readonly stream: kinesis.Stream;
  readonly leaseTable: dynamodb.Table;
  readonly incidentTable: dynamodb.Table;
  readonly ingestion: Ingestion;
  readonly automationRole: iam.Role | undefined;
  readonly consumerRole: iam.Role;

  constructor(scope: Construct, id: string, props: AiopsStackProps) {
    super(scope, id, props);
    const s = props.settings;
    const tag = { key: s.targetTagKey, value: s.targetTagValue };

    this.stream = new kinesis.Stream(this, 'Signals', {
      streamMode: kinesis.StreamMode.PROVISIONED,
      shardCount: s.shardCount,
      retentionPeriod: Duration.hours(s.retentionHours),
      // The AWS-managed key: encrypted at rest, and producers and consumers need no KMS permission.
      encryption: kinesis.StreamEncryption.MANAGED,
    });

    this.ingestion = new Ingestion(this, 'Ingestion', {
      stream: this.stream,
      logGroupNames: s.logGroupNames,
      logFilterPattern: s.logFilterPattern,
    });

    // The Kinesis Client Library's lease table schema, as @aiops/ingest's lease coordinator uses it:
    // hash key `leaseKey` (the shard id), every other attribute written by the coordinator.
    this.leaseTable = new dynamodb.Table(this, 'Leases', {
      partitionKey: { name: 'leaseKey', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      // Leases are rebuilt from the stream's shards; losing them costs a re-read from the last
      // checkpoint at most, so the table goes with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // createDynamoDbStateStore's table: `pk` = `<namespace>#<key prefix>`, `sk` = the key, `ttl` in
    // epoch seconds for DynamoDB's expiry. Incidents, the outbox, detector snapshots and the runbook
    // audit trail live here, so it is kept when the stack is deleted and has point-in-time recovery.
    this.incidentTable = new dynamodb.Table(this, 'Incidents', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'ttl',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // The documents the repository keeps are deployed here, so the executor runs them without
    // syncing (no ssm:CreateDocument / UpdateDocument for the consumer).
    for (const doc of props.documents) {
      if (!doc.content) continue;
      new ssm.CfnDocument(this, `Document${doc.name.replace(/[^A-Za-z0-9]/g, '')}`, {
        name: doc.name,
        documentType: doc.type,
        documentFormat: doc.format ?? 'YAML',
        content: doc.content,
        updateMethod: 'NewVersion',
      });
    }

    const automations = props.documents.filter((d) => d.type === 'Automation');
    this.automationRole = automations.length > 0 ? this.#automationRole(automations, tag) : undefined;

    const environment: Record<string, string> = {
      [ENV.incidentTable]: this.incidentTable.tableName,
      [ENV.storeNamespace]: s.storeNamespace,
      [ENV.modelId]: s.bedrockModelId,
      [ENV.dryRun]: String(s.dryRun),
      ...(this.automationRole ? { [ENV.automationRoleArn]: this.automationRole.roleArn } : {}),
    };

    if (s.consumer === 'lambda') {
      const consumer = new LambdaConsumer(this, 'LambdaConsumer', {
        stream: this.stream,
        environment,
        runbooksDir: props.runbooksDir,
        batchSize: s.lambdaBatchSize,
        retryAttempts: s.lambdaRetryAttempts,
        parallelizationFactor: s.lambdaParallelization,
      });
      this.consumerRole = consumer.role;
      grantStreamRead(this.consumerRole, this.stream, LAMBDA_STREAM_ACTIONS);
      new CfnOutput(this, 'ConsumerFunction', { value: consumer.function.functionName });
      new CfnOutput(this, 'FailureQueue', { value: consumer.failures.queueUrl });
    } else {
      const consumer = new EcsConsumer(this, 'EcsConsumer', {
        stream: this.stream,
        environment: {
          ...environment,
          [ENV.streamName]: this.stream.streamName,
          [ENV.leaseTable]: this.leaseTable.tableName,
        },
        runbooksDir: props.runbooksDir,
        workers: s.workers,
        ...(props.vpc ? { vpc: props.vpc } : {}),
      });
      this.consumerRole = consumer.taskRole;
      grantStreamRead(this.consumerRole, this.stream, WORKER_STREAM_ACTIONS);
      grantLeaseTable(this.consumerRole, this.leaseTable);
      new CfnOutput(this, 'ConsumerService', { value: consumer.service.serviceName });
    }
    grantIncidentTable(this.consumerRole, this.incidentTable, s.storeNamespace);
    grantBedrockModel(this.consumerRole, this, s.bedrockModelId);
    grantRunbooks(this.consumerRole, this, props.documents, tag, this.automationRole);

    new CfnOutput(this, 'StreamName', { value: this.stream.streamName });
    new CfnOutput(this, 'LeaseTableName', { value: this.leaseTable.tableName });
    new CfnOutput(this, 'IncidentTableName', { value: this.incidentTable.tableName });
  }

  /** The role Automation runs the catalog's Automation documents with, limited to tagged resources. */
  #automationRole(automations: readonly CatalogDocument[], tag: { key: string; value: string }): iam.Role {
    const role = new iam.Role(this, 'AutomationRole', {
      description: 'Systems Manager Automation runs the aiops catalog documents with this role',
      assumedBy: new iam.ServicePrincipal('ssm.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': this.account },
        ArnLike: {
          'aws:SourceArn': this.formatArn({ service: 'ssm', resource: 'automation-execution', resourceName: '*' }),
        },
      }),
    });
    for (const doc of automations) {
      const permissions = AUTOMATION_PERMISSIONS[doc.name];
      if (!permissions) {
        throw new Error(
          `Automation document ${doc.name} has no entry in AUTOMATION_PERMISSIONS (src/permissions.ts): add the calls it makes, scoped to the ${tag.key} tag`,
        );
      }
      for (const statement of permissions(this, tag)) role.addToPrincipalPolicy(statement);
    }
    return role;
  }
}
