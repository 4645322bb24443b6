import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * One check of a pipeline's health.
 *
 * @example
 * ```ts
 * import type { HealthCheck } from '@aiops/pipeline';
 * const line = (c: HealthCheck) => `${c.ok ? 'ok' : 'FAIL'} ${c.name}: ${c.detail}`;
 * ```
 */
export interface HealthCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/**
 * What `pipeline.health()` reports: the lifecycle state and each check. `ok` is true while the
 * pipeline runs and every check passes: the answer a load balancer or an orchestrator wants.
 *
 * @example
 * ```ts
 * import type { HealthReport } from '@aiops/pipeline';
 * const failing = (r: HealthReport) => r.checks.filter((c) => !c.ok).map((c) => c.name);
 * ```
 */
export interface HealthReport {
  readonly ok: boolean;
  readonly state: 'created' | 'starting' | 'running' | 'stopping' | 'stopped';
  readonly checks: readonly HealthCheck[];
}

/**
 * Thresholds of `pipeline.health()`.
 *
 * @example
 * ```ts
 * import type { HealthOptions } from '@aiops/pipeline';
 * const strict: HealthOptions = { maxSourceLagMs: 60_000, maxSlowPathQueue: 100 };
 * ```
 */
export interface HealthOptions {
  /** A source further behind its stream than this is unhealthy. Defaults to 5 minutes. */
  readonly maxSourceLagMs?: number;
  /** More incidents than this waiting for the slow path is unhealthy. Defaults to 1,000. */
  readonly maxSlowPathQueue?: number;
  /** A failed store write within this window is unhealthy. Defaults to 60 s. */
  readonly storeFailureWindowMs?: number;
}

/**
 * A Node `http` request handler that answers a pipeline's health as JSON: 200 when healthy, 503
 * otherwise. Mount it on any server, or use it as the whole server of a sidecar port.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createPipeline, healthHandler } from '@aiops/pipeline';
 * const pipeline = createPipeline({ sources: [], detectors: [] });
 * createServer(healthHandler(pipeline)).listen(8081, '127.0.0.1');
 * ```
 */
export function healthHandler(
  pipeline: { health(options?: HealthOptions): HealthReport },
  options: HealthOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => {
    const report = pipeline.health(options);
    res.writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(report));
  };
}
