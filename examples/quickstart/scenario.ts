import type { HealthReport } from '@aiops/pipeline';
import { watch } from './aiops.js';
import { createShop } from './shop.js';

/** One scripted run: healthy traffic, then the cart breaks for a while, then it heals. */
export interface ScenarioOptions {
  /** Requests a second the load generator sends (half `/cart`, half `/products`). */
  readonly requestsPerSecond: number;
  readonly healthyMs: number;
  readonly brokenMs: number;
  /** Share of `/cart` requests that fail while it is broken. */
  readonly failureRate: number;
  /** How long to keep the healthy traffic going after the fix, at most, waiting for the incident to resolve. */
  readonly recoveryMs: number;
  /** Error-rate windows; the detector's defaults (10 s windows) suit real traffic, a demo wants them shorter. */
  readonly windowMs: number;
  /** Where the console notifier writes. */
  readonly write: (text: string) => void;
  /** Told when the cart breaks and when it heals. */
  readonly onPhase?: (phase: 'broken' | 'healed') => void;
}

export interface ScenarioResult {
  /** Incident changes as the pipeline reported them, e.g. `opened shop`. */
  readonly changes: string[];
  /** What the health endpoint answered while the pipeline ran. */
  readonly health: { readonly status: number; readonly report: HealthReport };
  readonly requestsSent: number;
  readonly signalsDropped: number;
}

export async function runScenario(o: ScenarioOptions): Promise<ScenarioResult> {
  const shop = createShop();
  const aiops = await watch(shop.server, {
    service: 'shop',
    healthPort: 0,
    errorRate: { windowMs: o.windowMs, allowedLatenessMs: Math.min(2_000, o.windowMs), minLines: 10 },
    console: { stream: { write: o.write }, color: 'never' },
  });
  const changes: string[] = [];
  aiops.pipeline.on('incident', (c) => changes.push(`${c.type} ${c.incident.labels.service ?? c.incident.title}`));
  await new Promise<void>((resolve) => shop.server.listen(0, '127.0.0.1', resolve));
  const { port } = shop.server.address() as { port: number };
  let sent = 0;
  const load = setInterval(() => {
    sent++;
    fetch(`http://127.0.0.1:${port}${sent % 2 === 0 ? '/cart' : '/products'}`)
      .then((res) => res.arrayBuffer())
      .catch(() => undefined);
  }, 1_000 / o.requestsPerSecond);
  try {
    await sleep(o.healthyMs);
    shop.breakCart(o.failureRate);
    o.onPhase?.('broken');
    await sleep(o.brokenMs);
    shop.breakCart(0);
    o.onPhase?.('healed');
    for (let waited = 0; waited < o.recoveryMs && !changes.some((c) => c.startsWith('resolved')); waited += 100) {
      await sleep(100);
    }
    const res = await fetch(`http://127.0.0.1:${aiops.healthPort}/healthz`);
    const health = { status: res.status, report: (await res.json()) as HealthReport };
    return { changes, health, requestsSent: sent, signalsDropped: aiops.requests.stats().dropped };
  } finally {
    clearInterval(load);
    await new Promise<void>((resolve) => {
      shop.server.close(() => resolve());
      shop.server.closeAllConnections();
    });
    await aiops.stop();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
