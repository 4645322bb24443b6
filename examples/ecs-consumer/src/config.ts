import { hostname } from 'node:os';
import { ConfigError, type ConfigIssue } from '@aiops/core';

/** What the consumer needs to know, read from its environment (an ECS task definition's `environment`). */
export interface ConsumerConfig {
  readonly streamName: string;
  /** The lease table, named after the application as with the KCL; created on demand when missing. */
  readonly leaseTable: string;
  /** The state table (hash `pk`, range `sk`): incidents, outbox, detector snapshots, dead letters. */
  readonly stateTable: string;
  readonly region: string;
  /** Unique among live workers; an ECS task's id is a good one. */
  readonly workerId: string;
  readonly healthPort: number;
  readonly initialPosition: 'TRIM_HORIZON' | 'LATEST';
  /** How long a stop may take: keep it under the task's `stopTimeout` (30 s by default on ECS). */
  readonly shutdownDeadlineMs: number;
  /** A lease not renewed for this long is taken by another worker. */
  readonly failoverTimeMs: number;
  /** Local runs only: an emulator's endpoint (kinesalite, dynalite). */
  readonly kinesisEndpoint?: string;
  readonly dynamodbEndpoint?: string;
  /** Local runs only: create the state table when it is missing. */
  readonly createStateTable: boolean;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
}

/**
 * Reads the configuration from an environment passed explicitly. Throws one `ConfigError` naming
 * every missing or malformed variable.
 */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>): ConsumerConfig {
  const issues: ConfigIssue[] = [];
  const required = (name: string): string => {
    const value = env[name];
    if (!value) issues.push({ path: name, message: 'is required' });
    return value ?? '';
  };
  const integer = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0)
      issues.push({ path: name, message: `must be a whole number, got "${raw}"` });
    return value;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!allowed.includes(raw as T))
      issues.push({ path: name, message: `must be one of ${allowed.join(', ')}, got "${raw}"` });
    return raw as T;
  };
  const config: ConsumerConfig = {
    streamName: required('AIOPS_STREAM_NAME'),
    leaseTable: required('AIOPS_LEASE_TABLE'),
    stateTable: required('AIOPS_STATE_TABLE'),
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? required('AWS_REGION'),
    workerId: env.AIOPS_WORKER_ID || `${hostname()}:${process.pid}`,
    healthPort: integer('AIOPS_HEALTH_PORT', 8080),
    initialPosition: oneOf('AIOPS_INITIAL_POSITION', ['TRIM_HORIZON', 'LATEST'] as const, 'LATEST'),
    shutdownDeadlineMs: integer('AIOPS_SHUTDOWN_DEADLINE_MS', 25_000),
    failoverTimeMs: integer('AIOPS_FAILOVER_TIME_MS', 10_000),
    ...(env.AIOPS_KINESIS_ENDPOINT ? { kinesisEndpoint: env.AIOPS_KINESIS_ENDPOINT } : {}),
    ...(env.AIOPS_DYNAMODB_ENDPOINT ? { dynamodbEndpoint: env.AIOPS_DYNAMODB_ENDPOINT } : {}),
    createStateTable: env.AIOPS_CREATE_STATE_TABLE === 'true',
    logLevel: oneOf('AIOPS_LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, 'info'),
  };
  if (issues.length > 0) {
    throw new ConfigError('ecs-consumer configuration', issues);
  }
  return config;
}
