import { Agent, request } from 'node:http';

/** What the load generator saw from the client side. */
export interface LoadStats {
  sent: number;
  /** 2xx answers. */
  ok: number;
  /** 4xx and 5xx answers. */
  failed: number;
  /** No answer: refused or reset while the service restarted, or timed out. */
  unreachable: number;
}

/** Traffic against the demo service at a steady rate. */
export interface LoadGenerator {
  readonly stats: LoadStats;
  /** Stops sending and waits for the requests in flight (at most `timeoutMs` each). */
  stop(): Promise<void>;
}

// A shop's mix: mostly API calls that need the database, some static assets that do not.
const PATHS = [
  '/api/cart',
  '/static/app.js',
  '/api/checkout',
  '/api/cart',
  '/api/orders',
  '/static/logo.svg',
  '/api/cart',
  '/api/orders',
  '/api/checkout',
  '/static/app.css',
];

/** Sends `ratePerSecond` GET requests a second to `127.0.0.1:port`, cycling through a fixed mix of paths. */
export function startLoad(port: number, ratePerSecond: number, timeoutMs = 2_000): LoadGenerator {
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const stats: LoadStats = { sent: 0, ok: 0, failed: 0, unreachable: 0 };
  const inflight = new Set<Promise<void>>();
  let i = 0;
  const fire = (): void => {
    const path = PATHS[i++ % PATHS.length]!;
    stats.sent++;
    const done = new Promise<void>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path, agent, timeout: timeoutMs }, (res) => {
        res.resume();
        res.on('end', () => {
          if ((res.statusCode ?? 0) < 400) stats.ok++;
          else stats.failed++;
          resolve();
        });
        res.on('error', () => {
          stats.unreachable++;
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        stats.unreachable++;
        resolve();
      });
      req.end();
    });
    inflight.add(done);
    void done.then(() => inflight.delete(done));
  };
  // Requests are spread evenly: one every 1000/rate ms, catching up after a late timer.
  const started = performance.now();
  const timer = setInterval(
    () => {
      const due = Math.floor(((performance.now() - started) / 1_000) * ratePerSecond);
      while (stats.sent < due) fire();
    },
    Math.max(5, Math.floor(1_000 / ratePerSecond)),
  );
  return {
    stats,
    async stop() {
      clearInterval(timer);
      await Promise.allSettled([...inflight]);
      agent.destroy();
    },
  };
}
