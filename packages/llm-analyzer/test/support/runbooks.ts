import type { RunbookCatalogView, RunbookSummary } from '@aiops/core';
import { staticCatalog } from '@aiops/testing';

const service = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$', description: 'service name' } as const;

/**
 * The runbooks of the repository's example catalog (same ids as examples/runbooks), as the
 * analyzer sees them. Written by hand for tests that must not depend on the executor package.
 */
export const RUNBOOKS: readonly RunbookSummary[] = [
  {
    id: 'restart-service',
    title: 'Restart a service',
    description:
      'Restarts the processes of a service running on this host (local process manager) and waits for its health check. For stuck or hung workers, crash loops and error spikes that are not caused by a deployment.',
    tags: ['restart', 'local'],
    risk: 'low',
    approval: 'none',
    parameters: { type: 'object', properties: { service }, required: ['service'], additionalProperties: false },
    match: { kinds: ['error-rate-spike', 'new-pattern'], keywords: ['hung', 'stuck', 'unresponsive', 'deadlock'] },
  },
  {
    id: 'restart-service-ssm',
    title: 'Restart a service on its EC2 instances (Systems Manager)',
    description:
      'Restarts the systemd unit of a service on the EC2 instances tagged with it, through SSM Run Command, one instance at a time.',
    tags: ['restart', 'ssm', 'ec2'],
    risk: 'medium',
    approval: 'none',
    parameters: {
      type: 'object',
      properties: { service, maxConcurrency: { type: 'integer', minimum: 1, maximum: 5, default: 1 } },
      required: ['service'],
      additionalProperties: false,
    },
    match: { kinds: ['error-rate-spike'], logGroups: ['/ec2/*', '/var/log/*'], keywords: ['systemd', 'unit'] },
  },
  {
    id: 'restart-ec2-instance',
    title: 'Restart an EC2 instance',
    description:
      'Reboots one EC2 instance through the AWS-RestartEC2Instance automation. For failed status checks and unresponsive hosts.',
    tags: ['ec2', 'reboot', 'automation'],
    risk: 'medium',
    approval: 'required',
    parameters: {
      type: 'object',
      properties: { instanceId: { type: 'string', pattern: '^i-[0-9a-f]{8,17}$', description: 'EC2 instance id' } },
      required: ['instanceId'],
      additionalProperties: false,
    },
    match: { alarmNames: ['*status-check*', '*StatusCheck*'], keywords: ['StatusCheckFailed', 'unreachable'] },
  },
  {
    id: 'scale-out-asg',
    title: 'Scale out an Auto Scaling group',
    description:
      'Raises the desired capacity of an Auto Scaling group by a few instances when CPU or request load saturates the fleet.',
    tags: ['scale', 'capacity', 'asg'],
    risk: 'medium',
    approval: 'none',
    parameters: {
      type: 'object',
      properties: {
        autoScalingGroupName: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,255}$' },
        increaseBy: { type: 'integer', minimum: 1, maximum: 5, default: 2 },
      },
      required: ['autoScalingGroupName'],
      additionalProperties: false,
    },
    match: { keywords: ['CPUUtilization', 'saturation', 'queue depth'] },
  },
  {
    id: 'free-disk-space',
    title: 'Free disk space',
    description:
      'Removes rotated logs, old core dumps and package caches on an instance whose disk is almost full (ENOSPC, no space left on device).',
    tags: ['disk', 'cleanup'],
    risk: 'low',
    approval: 'none',
    parameters: {
      type: 'object',
      properties: {
        instanceId: { type: 'string', pattern: '^i-[0-9a-f]{8,17}$' },
        path: { type: 'string', enum: ['/var/log', '/tmp', '/var/lib/docker'], default: '/var/log' },
      },
      required: ['instanceId'],
      additionalProperties: false,
    },
    match: { keywords: ['disk', 'no space left', 'ENOSPC'] },
  },
  {
    id: 'rollback-deployment',
    title: 'Roll back the last deployment',
    description:
      'Redeploys the previous version of a service when errors start right after a release: new exceptions or error spikes following a deploy.',
    tags: ['deploy', 'rollback', 'release'],
    risk: 'high',
    approval: 'required',
    parameters: { type: 'object', properties: { service }, required: ['service'], additionalProperties: false },
    match: { kinds: ['new-pattern'], keywords: ['deploy', 'version', 'release'] },
  },
  {
    id: 'flush-cache',
    title: 'Flush a cache',
    description:
      'Flushes a Redis / ElastiCache cache whose entries are stale or corrupt, or whose memory is full of evictions.',
    tags: ['cache', 'redis'],
    risk: 'medium',
    approval: 'none',
    parameters: {
      type: 'object',
      properties: { cacheClusterId: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,39}$' } },
      required: ['cacheClusterId'],
      additionalProperties: false,
    },
    match: { keywords: ['cache', 'stale', 'evictions'] },
  },
  {
    id: 'recycle-connection-pool',
    title: 'Recycle a connection pool',
    description:
      "Drains and reopens a service's database connection pool when connections leak or are exhausted (pool timeouts, too many connections).",
    tags: ['database', 'connections', 'pool'],
    risk: 'low',
    approval: 'none',
    parameters: { type: 'object', properties: { service }, required: ['service'], additionalProperties: false },
    match: { keywords: ['connection pool', 'too many connections', 'pool exhausted'] },
  },
];

/** The example catalog as a read-only view. */
export function exampleCatalog(): RunbookCatalogView {
  return staticCatalog(RUNBOOKS);
}
