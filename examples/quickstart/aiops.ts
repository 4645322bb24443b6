import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createErrorRateDetector, type ErrorRateOptions } from '@aiops/detectors';
import { type ConsoleNotifierOptions, createConsoleNotifier } from '@aiops/notifiers';
import { createPipeline, createPushSource, healthHandler, type Pipeline } from '@aiops/pipeline';

export interface WatchOptions {
  readonly service: string;
  /** Port of the health endpoint (0 picks one). */
  readonly healthPort?: number;
  readonly errorRate?: ErrorRateOptions;
  readonly console?: ConsoleNotifierOptions;
}

/** The whole integration: watch an existing node:http server's requests with an @aiops pipeline. */
export async function watch(server: Server, options: WatchOptions) {
  const requests = createPushSource({ name: `${options.service}-requests` });
  const pipeline: Pipeline = createPipeline({
    sources: [requests],
    detectors: [createErrorRateDetector(options.errorRate)],
    notifiers: [createConsoleNotifier(options.console)],
  });
  await pipeline.start();
  // A second 'request' listener sees every request the app serves, without touching the app.
  server.on('request', (req, res) => {
    const started = performance.now();
    res.on('finish', () => {
      const ms = Math.round(performance.now() - started);
      requests.push({
        type: 'log',
        timestamp: Date.now(),
        service: options.service,
        level: res.statusCode >= 500 ? 'error' : 'info',
        message: `${req.method} ${req.url} ${res.statusCode} ${ms}ms`,
        attributes: { httpStatus: res.statusCode, latencyMs: ms },
      });
    });
  });
  const health = createServer(healthHandler(pipeline));
  await new Promise<void>((resolve) => health.listen(options.healthPort ?? 8081, resolve));
  const healthPort = (health.address() as AddressInfo).port;
  const stop = async () => {
    await new Promise<void>((resolve) => health.close(() => resolve()));
    await pipeline.stop();
  };
  return { pipeline, requests, healthPort, stop };
}
