/**
 * Writes packages/llm-analyzer/scenarios/*.json: `tsx test/support/generate-scenarios.ts` from the
 * package folder. Each scenario is ten minutes of ordinary traffic, then an incident told the way
 * services and AWS report it (log lines, metrics, alarms, events), with the runbook an experienced
 * on-call engineer would pick from the example catalog, or none.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Signal } from '@aiops/core';
import {
  alarm,
  event,
  log,
  MIN,
  metric,
  type Rng,
  rng,
  type Service,
  shape,
  spread,
  T0,
  traffic,
} from './scenario-kit.js';

interface Def {
  id: string;
  description: string;
  expect: string | null;
  build: (r: Rng) => Signal[];
}

const AT = T0 + 60 * MIN; // the incident starts here
const LOGS_FROM = AT - 4 * MIN; // logs: four minutes of ordinary traffic, then three of incident
const METRICS_FROM = AT - 50 * MIN; // metrics: one point a minute for 55 minutes, the change at minute 50
const ecs = (name: string): Service => ({ name, logGroup: `/ecs/${name}` });
const ec2 = (name: string): Service => ({ name, logGroup: `/ec2/${name}/app`, stream: 'i-0a1b2c3d4e5f60718' });
const lambda = (name: string): Service => ({
  name,
  logGroup: `/aws/lambda/${name}`,
  stream: '2026/11/20/[$LATEST]abc',
});

const base = (r: Rng, svc: Service, perMin = 150) => traffic(r, svc, LOGS_FROM, 7, perMin);
const errs = (
  r: Rng,
  svc: Service,
  count: number,
  lines: readonly string[],
  level: 'error' | 'fatal' = 'error',
  minutes = 3,
  // `count` was written for a pace of one line in five seconds: lines now come three times as fast.
) => spread(r, AT, minutes, count * minutes, (t, i) => log(svc, t, lines[i % lines.length]!, level));
const infos = (r: Rng, svc: Service, at: number, lines: readonly string[]) =>
  lines.map((m, i) => log(svc, at + i * 1_000 + r.int(0, 300), m, 'info'));

const DEFS: Def[] = [
  // ---------------------------------------------------------------- restart-service
  {
    id: 'hung-worker-pool-checkout',
    description: 'checkout workers stop picking up requests: the pool is stuck, requests time out with 503',
    expect: 'restart-service',
    build: (r) => {
      const s = ecs('checkout');
      return [
        ...base(r, s),
        ...errs(r, s, 90, [
          'GET /api/cart 503 30001ms upstream request timeout: no worker available',
          'worker pool stuck: 16/16 workers busy for more than 60s, queue length 412',
          'worker 7 unresponsive for 45s, last heartbeat 10:10:12',
        ]),
      ];
    },
  },
  {
    id: 'jvm-deadlock-search',
    description: 'search threads deadlock; the service hangs and the load balancer sees 504s',
    expect: 'restart-service',
    build: (r) => {
      const s = ecs('search');
      return [
        ...base(r, s),
        ...errs(r, s, 70, [
          'Found one Java-level deadlock: "http-nio-8080-exec-12" waiting to lock monitor 0x00007f3a',
          'GET /api/search 504 60000ms gateway timeout, service hung',
          'request processing stuck in IndexReader.acquire for 58s',
        ]),
        alarm(
          AT + 3 * MIN,
          'search-target-5xx',
          'ALARM',
          'Threshold Crossed: 1 datapoint [57.0] was greater than the threshold (20.0).',
          {
            namespace: 'AWS/ApplicationELB',
            name: 'HTTPCode_Target_5XX_Count',
            dimensions: { LoadBalancer: 'app/search-alb/3b1c', TargetGroup: 'targetgroup/search/9f2e' },
          },
        ),
      ];
    },
  },
  {
    id: 'event-loop-blocked-inventory',
    description: 'the inventory Node.js process has its event loop blocked; health checks fail and requests hang',
    expect: 'restart-service',
    build: (r) => {
      const s = ecs('inventory');
      return [
        ...base(r, s),
        ...errs(r, s, 80, [
          'event loop blocked for 12034ms, process unresponsive',
          'GET /health 503 10000ms health check timed out',
          'GET /api/items 503 30000ms request aborted: service unresponsive',
        ]),
      ];
    },
  },
  {
    id: 'stuck-consumer-notifications',
    description: 'the notifications consumer is stuck on a poisoned lock; messages pile up and sends fail',
    expect: 'restart-service',
    build: (r) => {
      const s = ecs('notifications');
      return [
        ...base(r, s),
        ...errs(r, s, 60, [
          'consumer stuck: no message acknowledged for 300s, lock held by thread worker-2',
          'send failed: worker hung waiting for lock notifications-batch',
        ]),
        ...metric(
          'AWS/SQS',
          'ApproximateAgeOfOldestMessage',
          { QueueName: 'notifications-outbox' },
          METRICS_FROM,
          55,
          shape(r, 4, 2, 50, (m) => 60 + m * 90),
          'Seconds',
        ),
      ];
    },
  },
  {
    id: 'grpc-server-hang-pricing',
    description: 'pricing gRPC server stops answering: deadline exceeded on every call after a thread pool hang',
    expect: 'restart-service',
    build: (r) => {
      const s = ecs('pricing');
      return [
        ...base(r, s),
        ...errs(r, s, 75, [
          'rpc error: code = DeadlineExceeded desc = context deadline exceeded (pricing.Quote)',
          'server executor hung: 0 of 32 threads idle for 90s',
        ]),
      ];
    },
  },
  // ---------------------------------------------------------------- restart-service-ssm
  {
    id: 'systemd-unit-hung-billing-ec2',
    description: 'billing runs as a systemd unit on EC2; its watchdog fires and requests fail',
    expect: 'restart-service-ssm',
    build: (r) => {
      const s = ec2('billing');
      return [
        ...base(r, s),
        ...errs(r, s, 60, [
          'systemd[1]: billing.service: Watchdog timeout (limit 30s)!',
          'POST /api/invoices 503 30000ms billing unit not responding',
          'systemd[1]: billing.service: Main process hung, unit stuck in deactivating state',
        ]),
      ];
    },
  },
  {
    id: 'systemd-unit-failed-reporting-ec2',
    description: 'the reporting daemon on its EC2 hosts keeps erroring after the unit entered a failed state',
    expect: 'restart-service-ssm',
    build: (r) => {
      const s: Service = { name: 'reporting', logGroup: '/var/log/reporting', stream: 'i-0f9e8d7c6b5a40312' };
      return [
        ...base(r, s),
        ...errs(r, s, 55, [
          'systemd[1]: reporting.service: Failed with result timeout',
          'GET /api/reports 502 bad gateway: reporting unit failed',
        ]),
      ];
    },
  },
  // ---------------------------------------------------------------- restart-ec2-instance
  {
    id: 'status-check-failed-web-3',
    description: 'an EC2 instance fails its instance status check and stops answering',
    expect: 'restart-ec2-instance',
    build: (r) => {
      const dims = { InstanceId: 'i-03c4d5e6f7a8b9c0d' };
      return [
        ...metric('AWS/EC2', 'StatusCheckFailed_Instance', dims, METRICS_FROM, 55, (m) => (m < 50 ? 0 : 1), 'Count'),
        ...metric(
          'AWS/EC2',
          'CPUUtilization',
          dims,
          METRICS_FROM,
          55,
          shape(r, 35, 5, 50, () => 0.5),
          'Percent',
        ),
        alarm(
          AT + 2 * MIN,
          'web-3-status-check-failed',
          'ALARM',
          'Threshold Crossed: 2 out of the last 2 datapoints [1.0 (20/11/26 10:11:00), 1.0 (20/11/26 10:10:00)] were greater than or equal to the threshold (1.0).',
          {
            namespace: 'AWS/EC2',
            name: 'StatusCheckFailed_Instance',
            dimensions: dims,
          },
        ),
      ];
    },
  },
  {
    id: 'instance-unreachable-kernel-hang',
    description: 'a worker host hangs (kernel soft lockup); status checks fail and its agent goes silent',
    expect: 'restart-ec2-instance',
    build: (r) => {
      const dims = { InstanceId: 'i-0bb11cc22dd33ee44' };
      const s: Service = { name: 'batch-worker', logGroup: '/ec2/batch-worker/syslog', stream: 'i-0bb11cc22dd33ee44' };
      return [
        ...base(r, s),
        ...errs(r, s, 12, ['kernel: watchdog: BUG: soft lockup - CPU#1 stuck for 23s! [java:2211]'], 'error', 2),
        ...metric('AWS/EC2', 'StatusCheckFailed', dims, METRICS_FROM, 55, (m) => (m < 51 ? 0 : 1), 'Count'),
        alarm(
          AT + 3 * MIN,
          'batch-worker-i-0bb11cc22dd33ee44-StatusCheckFailed',
          'ALARM',
          'Threshold Crossed: 1 datapoint [1.0] was greater than or equal to the threshold (1.0). Instance unreachable.',
          {
            namespace: 'AWS/EC2',
            name: 'StatusCheckFailed',
            dimensions: dims,
          },
        ),
      ];
    },
  },
  {
    id: 'system-status-check-hardware',
    description: 'AWS reports a system status check failure on the host of an instance (hardware)',
    expect: 'restart-ec2-instance',
    build: (r) => {
      const dims = { InstanceId: 'i-0123abcd4567ef890' };
      return [
        ...metric('AWS/EC2', 'StatusCheckFailed_System', dims, METRICS_FROM, 55, (m) => (m < 50 ? 0 : 1), 'Count'),
        ...metric(
          'AWS/EC2',
          'NetworkIn',
          dims,
          METRICS_FROM,
          55,
          shape(r, 5e6, 4e5, 50, () => 0),
          'Bytes',
        ),
        event(AT + MIN, 'aws.health', 'AWS Health Event', {
          service: 'EC2',
          eventTypeCode: 'AWS_EC2_INSTANCE_STORE_DRIVE_PERFORMANCE_DEGRADED',
          affectedEntities: [{ entityValue: 'i-0123abcd4567ef890' }],
        }),
        alarm(
          AT + 2 * MIN,
          'api-host-system-status-check',
          'ALARM',
          'Threshold Crossed: 2 datapoints [1.0, 1.0] were greater than or equal to the threshold (1.0).',
          {
            namespace: 'AWS/EC2',
            name: 'StatusCheckFailed_System',
            dimensions: dims,
          },
        ),
      ];
    },
  },
  // ---------------------------------------------------------------- scale-out-asg
  {
    id: 'traffic-surge-web-asg',
    description: 'a marketing campaign doubles traffic; the web fleet saturates its CPU and latency climbs',
    expect: 'scale-out-asg',
    build: (r) => {
      const dims = { AutoScalingGroupName: 'web-prod-asg' };
      return [
        ...metric(
          'AWS/EC2',
          'CPUUtilization',
          dims,
          METRICS_FROM,
          55,
          shape(r, 42, 4, 50, (m) => 88 + m * 2),
          'Percent',
        ),
        ...metric(
          'AWS/ApplicationELB',
          'TargetResponseTime',
          { LoadBalancer: 'app/web-alb/51f1' },
          METRICS_FROM,
          55,
          shape(r, 0.12, 0.02, 50, (m) => 1.1 + m * 0.3),
          'Seconds',
        ),
        alarm(
          AT + 3 * MIN,
          'web-prod-asg-cpu-high',
          'ALARM',
          'Threshold Crossed: 3 datapoints [91.3, 93.9, 95.2] were greater than the threshold (80.0).',
          {
            namespace: 'AWS/EC2',
            name: 'CPUUtilization',
            dimensions: dims,
          },
        ),
      ];
    },
  },
  {
    id: 'queue-backlog-workers-asg',
    description: 'the image workers cannot keep up: CPU pinned, queue depth grows every minute',
    expect: 'scale-out-asg',
    build: (r) => [
      ...metric(
        'AWS/EC2',
        'CPUUtilization',
        { AutoScalingGroupName: 'image-workers' },
        METRICS_FROM,
        55,
        shape(r, 55, 6, 50, () => 97),
        'Percent',
      ),
      ...metric(
        'AWS/SQS',
        'ApproximateNumberOfMessagesVisible',
        { QueueName: 'image-jobs' },
        METRICS_FROM,
        55,
        shape(r, 40, 15, 50, (m) => 900 + m * 1_400),
        'Count',
      ),
      alarm(
        AT + 4 * MIN,
        'image-jobs-queue-depth',
        'ALARM',
        'Threshold Crossed: 1 datapoint [6512.0] was greater than the threshold (1000.0).',
        {
          namespace: 'AWS/SQS',
          name: 'ApproximateNumberOfMessagesVisible',
          dimensions: { QueueName: 'image-jobs' },
        },
      ),
    ],
  },
  {
    id: 'request-saturation-api-asg',
    description: 'requests per target triple after a partner integration goes live; CPU saturation on the api fleet',
    expect: 'scale-out-asg',
    build: (r) => [
      ...metric(
        'AWS/ApplicationELB',
        'RequestCountPerTarget',
        { TargetGroup: 'targetgroup/api/77aa' },
        METRICS_FROM,
        55,
        shape(r, 900, 60, 50, () => 2_900),
        'Count',
      ),
      ...metric(
        'AWS/EC2',
        'CPUUtilization',
        { AutoScalingGroupName: 'api-prod' },
        METRICS_FROM,
        55,
        shape(r, 38, 4, 50, () => 92),
        'Percent',
      ),
      alarm(
        AT + 2 * MIN,
        'api-prod-cpu-saturation',
        'ALARM',
        'Threshold Crossed: 2 datapoints [91.8, 92.6] were greater than the threshold (85.0).',
        {
          namespace: 'AWS/EC2',
          name: 'CPUUtilization',
          dimensions: { AutoScalingGroupName: 'api-prod' },
        },
      ),
    ],
  },
  // ---------------------------------------------------------------- free-disk-space
  {
    id: 'disk-full-var-log',
    description: 'rotated logs fill the root volume of an app server; writes fail with ENOSPC',
    expect: 'free-disk-space',
    build: (r) => {
      const s = ec2('ledger');
      const dims = { InstanceId: 'i-0a1b2c3d4e5f60718', path: '/', device: 'nvme0n1p1', fstype: 'xfs' };
      return [
        ...base(r, s),
        ...errs(r, s, 50, [
          "ENOSPC: no space left on device, write '/var/log/ledger/app.log'",
          'failed to write journal entry: No space left on device',
        ]),
        ...metric(
          'CWAgent',
          'disk_used_percent',
          dims,
          METRICS_FROM,
          55,
          shape(r, 81, 0.3, 50, (m) => 99 + Math.min(m, 1) * 0.9),
          'Percent',
        ),
        alarm(
          AT + MIN,
          'ledger-i-0a1b2c3d4e5f60718-disk-full',
          'ALARM',
          'Threshold Crossed: 1 datapoint [99.9] was greater than the threshold (95.0).',
          {
            namespace: 'CWAgent',
            name: 'disk_used_percent',
            dimensions: dims,
          },
        ),
      ];
    },
  },
  {
    id: 'docker-disk-full',
    description: 'container images fill /var/lib/docker on a build host; pulls and container starts fail',
    expect: 'free-disk-space',
    build: (r) => {
      const s: Service = { name: 'ci-runner', logGroup: '/ec2/ci-runner/docker', stream: 'i-0c0ffee1234567890' };
      return [
        ...base(r, s),
        ...errs(r, s, 40, [
          'failed to register layer: write /var/lib/docker/overlay2/4f2c/diff/usr/lib/libx.so: no space left on device',
          'Error response from daemon: mkdir /var/lib/docker/tmp: no space left on device',
        ]),
        ...metric(
          'CWAgent',
          'disk_used_percent',
          { InstanceId: 'i-0c0ffee1234567890', path: '/var/lib/docker' },
          METRICS_FROM,
          55,
          shape(r, 88, 0.5, 50, () => 100),
          'Percent',
        ),
      ];
    },
  },
  {
    id: 'core-dumps-fill-disk',
    description: 'a crashing helper writes core dumps until the disk is full; the app then fails to write',
    expect: 'free-disk-space',
    build: (r) => {
      const s = ec2('media');
      return [
        ...base(r, s),
        ...errs(r, s, 45, [
          'systemd-coredump[912]: Failed to write core dump: No space left on device',
          "IOError: [Errno 28] No space left on device: '/tmp/upload-8812.part'",
        ]),
        ...metric(
          'CWAgent',
          'disk_used_percent',
          { InstanceId: 'i-0d15c0de00000beef', path: '/' },
          METRICS_FROM,
          55,
          shape(r, 70, 1, 48, (m) => Math.min(100, 80 + m * 5)),
          'Percent',
        ),
      ];
    },
  },
  // ---------------------------------------------------------------- rollback-deployment
  {
    id: 'bad-deploy-checkout-npe',
    description: 'checkout 2.14.0 is deployed; a new NullPointerException fails a third of requests right after',
    expect: 'rollback-deployment',
    build: (r) => {
      const s = ecs('checkout');
      return [
        ...base(r, s),
        event(AT - 30_000, 'aws.ecs', 'ECS Deployment State Change', {
          eventName: 'SERVICE_DEPLOYMENT_COMPLETED',
          deploymentId: 'ecs-svc/8842',
          reason: 'deployment completed',
          serviceName: 'checkout',
        }),
        ...infos(r, s, AT - 20_000, [
          'Starting checkout version=2.14.0 commit=9c1e4f2',
          'checkout 2.14.0 ready on :8080',
        ]),
        ...errs(r, s, 85, [
          '[v2.14.0] java.lang.NullPointerException: Cannot invoke "Promo.discount()" because "promo" is null at CartPricer.apply(CartPricer.java:88)',
          'POST /api/checkout 500 41ms release 2.14.0 unhandled exception',
        ]),
      ];
    },
  },
  {
    id: 'bad-deploy-payments-typeerror',
    description: 'a payments release introduces a TypeError on every card payment',
    expect: 'rollback-deployment',
    build: (r) => {
      const s = ecs('payments');
      return [
        ...base(r, s),
        event(AT - 60_000, 'aws.codedeploy', 'CodeDeploy Deployment State-change Notification', {
          application: 'payments',
          deploymentId: 'd-7Q2RX4ABC',
          state: 'SUCCESS',
        }),
        ...infos(r, s, AT - 40_000, ['payments version 5.3.0 started (deployment d-7Q2RX4ABC)']),
        ...errs(r, s, 80, [
          "TypeError: Cannot read properties of undefined (reading 'last4') at formatCard (/app/dist/card.js:41:18) version=5.3.0",
          'POST /api/payments 500 12ms new release 5.3.0 error',
        ]),
      ];
    },
  },
  {
    id: 'bad-config-release-orders',
    description: 'a configuration release removes a required key; orders fails on startup of the new version',
    expect: 'rollback-deployment',
    build: (r) => {
      const s = ecs('orders');
      return [
        ...base(r, s),
        ...infos(r, s, AT - 15_000, ['deploying orders version 3.8.1 (config release 2026-11-20.2)']),
        ...errs(r, s, 70, [
          'ConfigError: missing required key ORDERS_TAX_ENDPOINT (introduced by release 3.8.1)',
          'POST /api/orders 500 3ms since deploy of version 3.8.1',
        ]),
      ];
    },
  },
  {
    id: 'bad-deploy-lambda-import',
    description: 'a new Lambda version of the resizer fails to import a module on every invocation',
    expect: 'rollback-deployment',
    build: (r) => {
      const s = lambda('image-resizer');
      return [
        ...base(r, s),
        ...infos(r, s, AT - 10_000, ['INIT_START Runtime Version: nodejs:20.v28 function version 42 deployed']),
        ...errs(r, s, 60, [
          "Runtime.ImportModuleError: Error: Cannot find module 'sharp' Require stack: /var/task/index.js (version 42)",
          'ERROR Invoke Error after deploy of version 42',
        ]),
      ];
    },
  },
  // ---------------------------------------------------------------- flush-cache
  {
    id: 'stale-cache-catalog',
    description: 'the product catalog serves stale prices from Redis after a bulk update; checksum checks fail',
    expect: 'flush-cache',
    build: (r) => {
      const s = ecs('catalog');
      return [
        ...base(r, s),
        ...errs(r, s, 60, [
          'stale cache entry for product 88123: cached price 19.99 != source 24.99 (redis cluster catalog-cache)',
          'cache checksum mismatch for key product:88123, serving stale data',
        ]),
        ...metric(
          'AWS/ElastiCache',
          'CacheHits',
          { CacheClusterId: 'catalog-cache' },
          METRICS_FROM,
          55,
          shape(r, 5_000, 200, 50, () => 5_100),
          'Count',
        ),
      ];
    },
  },
  {
    id: 'poisoned-cache-keys-sessions',
    description:
      'a new release writes session keys as hashes where readers expect strings; every read of those keys fails',
    expect: 'flush-cache',
    build: (r) => {
      const s = ecs('sessions');
      return [
        ...base(r, s),
        ...errs(r, s, 60, [
          'WRONGTYPE Operation against a key holding the wrong kind of value (key session:7f3a91, cache cluster sessions-cache)',
          'GET /api/session 500 2ms poisoned cache entry session:7f3a91 in cluster sessions-cache',
        ]),
      ];
    },
  },
  {
    id: 'corrupt-cache-entries-profile',
    description: 'profile reads fail to deserialize entries cached by an older schema',
    expect: 'flush-cache',
    build: (r) => {
      const s = ecs('profile');
      return [
        ...base(r, s),
        ...errs(r, s, 65, [
          'failed to deserialize cached profile user:4411 from cache profile-cache: unexpected field "tier"',
          'GET /api/profile 500 4ms corrupt cache entry',
        ]),
        ...metric(
          'AWS/ElastiCache',
          'GetTypeCmds',
          { CacheClusterId: 'profile-cache' },
          METRICS_FROM,
          55,
          shape(r, 3_000, 100, 50, () => 3_050),
          'Count',
        ),
      ];
    },
  },
  // ---------------------------------------------------------------- recycle-connection-pool
  {
    id: 'hikari-pool-exhausted-orders',
    description: 'orders leaks JDBC connections; the Hikari pool is exhausted and requests time out',
    expect: 'recycle-connection-pool',
    build: (r) => {
      const s = ecs('orders');
      return [
        ...base(r, s),
        ...errs(r, s, 80, [
          'HikariPool-1 - Connection is not available, request timed out after 30000ms (total=50, active=50, idle=0, waiting=112)',
          'Apparent connection leak detected: connection pool exhausted',
        ]),
      ];
    },
  },
  {
    id: 'too-many-connections-accounts',
    description: 'accounts opens connections without closing them until Postgres refuses new ones',
    expect: 'recycle-connection-pool',
    build: (r) => {
      const s = ecs('accounts');
      return [
        ...base(r, s),
        ...errs(r, s, 70, [
          'FATAL: sorry, too many clients already (connection pool of accounts at 100/100)',
          'pg pool: timeout acquiring a connection, pool exhausted',
        ]),
        ...metric(
          'AWS/RDS',
          'DatabaseConnections',
          { DBInstanceIdentifier: 'accounts-db' },
          METRICS_FROM,
          55,
          shape(r, 40, 3, 50, () => 100),
          'Count',
        ),
      ];
    },
  },
  {
    id: 'stale-pool-after-db-failover',
    description: 'after an Aurora failover the pool keeps dead connections; queries fail with broken pipe',
    expect: 'recycle-connection-pool',
    build: (r) => {
      const s = ecs('ledger-api');
      return [
        ...base(r, s),
        event(AT - 60_000, 'aws.rds', 'RDS DB Cluster Event', {
          EventCategories: ['failover'],
          SourceIdentifier: 'ledger-aurora',
          Message: 'Completed failover to DB instance: ledger-aurora-2',
        }),
        ...errs(r, s, 75, [
          'org.postgresql.util.PSQLException: An I/O error occurred while sending to the backend: Broken pipe (connection pool holds stale connections)',
          'connection pool: validation failed for 40 idle connections, pool recycling required',
        ]),
      ];
    },
  },
  // ---------------------------------------------------------------- written after tuning, kept as held out
  {
    id: 'memory-leak-checkout-ecs',
    description:
      'checkout leaks memory: its ECS memory use climbs for ten minutes and the JVM starts failing with OutOfMemoryError',
    expect: 'restart-service',
    build: (r) => {
      const s = ecs('checkout');
      return [
        ...base(r, s),
        ...metric(
          'AWS/ECS',
          'MemoryUtilization',
          { ClusterName: 'prod', ServiceName: 'checkout' },
          METRICS_FROM,
          55,
          shape(r, 45, 2, 45, (m) => 60 + m * 4),
          'Percent',
        ),
        ...errs(r, s, 40, [
          'java.lang.OutOfMemoryError: Java heap space',
          'GC overhead limit exceeded in request handler',
        ]),
      ];
    },
  },
  {
    id: 'alarm-and-5xx-orders-api',
    description: 'the orders-api 5xx alarm fires while its logs fill with 502s from a wedged worker',
    expect: 'restart-service',
    build: (r) => {
      const s = ecs('orders-api');
      return [
        ...base(r, s),
        ...errs(r, s, 60, [
          'POST /api/orders 502 30000ms worker did not respond',
          'request timeout after 30000ms: worker wedged',
        ]),
        alarm(
          AT + 2 * MIN,
          'orders-api-5xx',
          'ALARM',
          'Threshold Crossed: 1 datapoint [88.0] was greater than the threshold (25.0).',
          {
            namespace: 'AWS/ApplicationELB',
            name: 'HTTPCode_Target_5XX_Count',
            dimensions: { LoadBalancer: 'app/orders-api/1c2d' },
          },
        ),
      ];
    },
  },
  {
    id: 'disk-alarm-only',
    description: 'only the CloudWatch agent disk alarm of an instance fires: the root volume is 97% full',
    expect: 'free-disk-space',
    build: () => [
      alarm(
        AT,
        'i-0e1f2a3b4c5d6e7f8-root-disk-above-95',
        'ALARM',
        'Threshold Crossed: 1 datapoint [97.2] was greater than the threshold (95.0).',
        {
          namespace: 'CWAgent',
          name: 'disk_used_percent',
          dimensions: { InstanceId: 'i-0e1f2a3b4c5d6e7f8', path: '/', device: 'xvda1', fstype: 'ext4' },
        },
      ),
    ],
  },
  // ---------------------------------------------------------------- no runbook
  {
    id: 'brief-blip-recovers',
    description: 'a handful of 500s during one minute, then normal: nothing to do',
    expect: null,
    build: (r) => {
      const s = ecs('checkout');
      return [...base(r, s), ...errs(r, s, 3, ['POST /api/checkout 500 15ms transient error'], 'error', 1)];
    },
  },
  {
    id: 'insufficient-data-decommissioned',
    description: 'an alarm on a decommissioned instance goes to INSUFFICIENT_DATA: not an outage',
    expect: null,
    build: (r) => [
      ...traffic(r, ecs('search'), LOGS_FROM, 7, 120),
      alarm(
        AT,
        'old-host-cpu',
        'INSUFFICIENT_DATA',
        'Insufficient Data: 5 datapoints were unknown.',
        {
          namespace: 'AWS/EC2',
          name: 'CPUUtilization',
          dimensions: { InstanceId: 'i-0deadbeef0000dead' },
        },
        'OK',
      ),
    ],
  },
  {
    id: 'alarm-flaps-back-to-ok',
    description: 'a latency alarm fires for one period and returns to OK on its own',
    expect: null,
    build: (r) => {
      const ref = {
        namespace: 'AWS/ApplicationELB',
        name: 'TargetResponseTime',
        dimensions: { LoadBalancer: 'app/web-alb/51f1' },
      };
      return [
        ...traffic(r, ecs('web'), LOGS_FROM, 7, 120),
        alarm(
          AT,
          'web-latency-p99',
          'ALARM',
          'Threshold Crossed: 1 datapoint [1.21] was greater than the threshold (1.0).',
          ref,
        ),
        alarm(
          AT + MIN,
          'web-latency-p99',
          'OK',
          'Threshold Crossed: 1 datapoint [0.31] was not greater than the threshold (1.0).',
          ref,
        ),
      ];
    },
  },
  {
    id: 'third-party-outage-shipping',
    description:
      "the carrier's API is down: every rate quote fails upstream; nothing in our catalog fixes their outage",
    expect: null,
    build: (r) => {
      const s = ecs('shipping');
      return [
        ...base(r, s),
        ...errs(r, s, 70, [
          'upstream api.carrier.example returned 503 Service Unavailable for POST /v2/rates (third-party outage, status page: major outage)',
          'rate quote failed: external provider carrier-x unavailable, circuit open',
        ]),
      ];
    },
  },
  {
    id: 'client-errors-bot-traffic',
    description: 'a scraper triggers a burst of 404s and 429s from our rate limiter: client errors, service healthy',
    expect: null,
    build: (r) => {
      const s = ecs('web');
      return [
        ...base(r, s),
        ...spread(r, AT, 5, 150, (t, i) =>
          log(
            s,
            t,
            i % 3 === 0 ? 'GET /wp-login.php 404 2ms bot' : 'GET /api/items 429 1ms rate limited client 203.0.113.7',
            'warn',
          ),
        ),
      ];
    },
  },
  {
    id: 'nightly-batch-cpu',
    description: 'the nightly batch pushes CPU of one instance up for two minutes, as every night',
    expect: null,
    build: (r) => [
      ...metric(
        'AWS/EC2',
        'CPUUtilization',
        { InstanceId: 'i-0ba7c4ba7c4ba7c40' },
        METRICS_FROM,
        55,
        (m) => (m >= 50 && m < 52 ? 96 : 30 + r.next() * 4),
        'Percent',
      ),
      ...traffic(r, ecs('batch'), LOGS_FROM, 7, 60),
    ],
  },
  {
    id: 'dynamodb-throttling-downstream',
    description:
      'orders is throttled by DynamoDB (provisioned capacity); no runbook of the catalog changes table capacity',
    expect: null,
    build: (r) => {
      const s = ecs('orders');
      return [
        ...base(r, s),
        ...errs(r, s, 60, [
          'ProvisionedThroughputExceededException: The level of configured provisioned throughput for the table was exceeded (table orders)',
          'ThrottlingException: Rate exceeded for PutItem on table orders, retries exhausted',
        ]),
        ...metric(
          'AWS/DynamoDB',
          'WriteThrottleEvents',
          { TableName: 'orders' },
          METRICS_FROM,
          55,
          shape(r, 0, 0.5, 50, () => 340),
          'Count',
        ),
      ];
    },
  },
];

async function main(): Promise<void> {
  const dir = join(import.meta.dirname, '..', '..', 'scenarios');
  await mkdir(dir, { recursive: true });
  for (const [i, d] of DEFS.entries()) {
    const signals = d.build(rng(1_000 + i)).sort((a, b) => a.timestamp - b.timestamp);
    const file = join(dir, `${String(i + 1).padStart(2, '0')}-${d.id}.json`);
    await writeFile(
      file,
      `${JSON.stringify({ id: d.id, description: d.description, signals, expect: { runbook: d.expect } })}\n`,
    );
  }
  console.log(`wrote ${DEFS.length} scenarios to ${dir}`);
}

await main();
