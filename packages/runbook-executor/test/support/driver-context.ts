import { tmpdir } from 'node:os';
import { silentLogger, systemClock } from '@aiops/core';
import type { DriverContext, ExternalRef } from '../../src/index.js';

/** A driver context on the system clock that records what the driver reports. */
export function driverContext(overrides: Partial<DriverContext> = {}): DriverContext & {
  progress: Array<{ status: string; detail?: Readonly<Record<string, unknown>> }>;
  started: ExternalRef[];
} {
  const progress: Array<{ status: string; detail?: Readonly<Record<string, unknown>> }> = [];
  const started: ExternalRef[] = [];
  return {
    planId: 'fp:1:test:abc',
    signal: new AbortController().signal,
    clock: systemClock,
    logger: silentLogger,
    deadline: Date.now() + 30_000,
    root: tmpdir(),
    async onStarted(external) {
      started.push(external);
    },
    onProgress(status, detail) {
      progress.push({ status, ...(detail ? { detail } : {}) });
    },
    ...overrides,
    progress,
    started,
  };
}
