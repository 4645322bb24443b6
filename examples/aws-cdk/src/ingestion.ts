// How CloudWatch data reaches the stream: a Logs subscription filter per log group and an
// EventBridge rule for alarm state changes, each with a role that can put records on this stream
// and nothing else, and that only its service, acting for this account, can assume.
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Options of {@link Ingestion}. */
export interface IngestionProps {
  readonly stream: kinesis.IStream;
  /** Log groups to subscribe; empty creates one (`/aiops/example-service`). */
  readonly logGroupNames: readonly string[];
  readonly logFilterPattern: string;
}

/** The CloudWatch Logs subscription and the EventBridge alarm rule into the stream. */
export class Ingestion extends Construct {
  readonly logsRole: iam.Role;
  readonly eventsRole: iam.Role;
  readonly alarmRule: events.Rule;
  readonly subscriptions: logs.SubscriptionFilter[] = [];

  constructor(scope: Construct, id: string, props: IngestionProps) {
    super(scope, id);
    const stack = Stack.of(this);

    // CloudWatch Logs assumes this role in this region, for log groups of this account only
    // (aws:SourceArn), which stops another account's subscription from writing to the stream.
    this.logsRole = new iam.Role(this, 'LogsToKinesisRole', {
      description: 'CloudWatch Logs puts subscription records on the aiops stream',
      assumedBy: new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`).withConditions({
        StringLike: { 'aws:SourceArn': stack.formatArn({ service: 'logs', resource: '*' }) },
      }),
    });
    // CloudWatch Logs calls PutRecord, one record per batch of log events.
    this.logsRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['kinesis:PutRecord'], resources: [props.stream.streamArn] }),
    );

    const groups: logs.ILogGroup[] =
      props.logGroupNames.length > 0
        ? props.logGroupNames.map((name, i) => logs.LogGroup.fromLogGroupName(this, `LogGroup${i}`, name))
        : [
            new logs.LogGroup(this, 'ExampleServiceLogs', {
              logGroupName: '/aiops/example-service',
              retention: logs.RetentionDays.TWO_WEEKS,
              removalPolicy: RemovalPolicy.DESTROY,
            }),
          ];
    // A destination of our own rather than logs-destinations' KinesisDestination, which would also
    // grant PutRecords, ListShards and iam:PassRole on the role to itself: none of them is needed.
    const destination: logs.ILogSubscriptionDestination = {
      bind: () => ({ arn: props.stream.streamArn, role: this.logsRole }),
    };
    groups.forEach((logGroup, i) => {
      const filter = new logs.SubscriptionFilter(this, `Subscription${i}`, {
        logGroup,
        destination,
        filterPattern: logs.FilterPattern.literal(props.logFilterPattern),
        filterName: 'aiops',
      });
      // CloudWatch Logs tests the destination when the filter is created: the policy must exist by then.
      filter.node.addDependency(this.logsRole);
      this.subscriptions.push(filter);
    });

    // EventBridge assumes this role for rules of this account (aws:SourceAccount: the rule's ARN
    // cannot be named in the trust policy without a cycle, since the rule names the role).
    this.eventsRole = new iam.Role(this, 'EventsToKinesisRole', {
      description: 'EventBridge puts alarm state changes on the aiops stream',
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': stack.account },
      }),
    });
    this.eventsRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['kinesis:PutRecord'], resources: [props.stream.streamArn] }),
    );
    this.alarmRule = new events.Rule(this, 'AlarmStateChanges', {
      description: 'CloudWatch alarm state changes into the aiops stream, one alarm per shard',
      eventPattern: { source: ['aws.cloudwatch'], detailType: ['CloudWatch Alarm State Change'] },
    });
    // Keyed by alarm name, so one alarm's transitions stay in order on one shard (the default key
    // is the event id, which spreads them).
    this.alarmRule.addTarget({
      bind: () => ({
        arn: props.stream.streamArn,
        role: this.eventsRole,
        kinesisParameters: { partitionKeyPath: '$.detail.alarmName' },
        retryPolicy: { maximumEventAgeInSeconds: Duration.hours(1).toSeconds(), maximumRetryAttempts: 20 },
      }),
    });
  }
}
