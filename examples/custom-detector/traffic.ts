import type { LogSignal } from '@aiops/core';

/** One stretch of synthetic traffic: how long, how many requests a minute, and which share is bad. */
export interface Stretch {
  readonly minutes: number;
  readonly perMinute: number;
  /** Share of the requests that are slow (over a second), from 0 to 1. */
  readonly slowShare: number;
}

/**
 * Request log lines of a service as its JSON logger writes them, for the stretches in order.
 * Deterministic: the bad requests are spread evenly, so a test sees the same lines on every run.
 */
export function requestLogs(service: string, t0: number, stretches: readonly Stretch[]): LogSignal[] {
  const out: LogSignal[] = [];
  let minute = 0;
  for (const stretch of stretches) {
    for (let m = 0; m < stretch.minutes; m++, minute++) {
      let owed = 0;
      for (let i = 0; i < stretch.perMinute; i++) {
        owed += stretch.slowShare;
        const slow = owed >= 1;
        if (slow) owed -= 1;
        const timestamp = t0 + minute * 60_000 + Math.floor((i * 60_000) / stretch.perMinute);
        const latencyMs = slow ? 1_200 + (i % 7) * 100 : 40 + (i % 11) * 9;
        const path = ['/cart', '/checkout', '/products'][i % 3];
        out.push({
          type: 'log',
          timestamp,
          service,
          level: 'info',
          message: JSON.stringify({ level: 'info', msg: 'request', method: 'GET', path, status: 200, latencyMs }),
        });
      }
    }
  }
  return out;
}
