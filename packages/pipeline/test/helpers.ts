import {
  type Detector,
  defineDetector,
  type Finding,
  type ListOptions,
  type PutOptions,
  type Signal,
  type StateStore,
  seriesKeyOf,
} from '@aiops/core';

/**
 * A detector for tests: a log whose message starts with `fail` fires on its series, one starting
 * with `recover` resolves it. It records the order in which it saw each series' timestamps.
 */
export function triggerDetector(name = 'trigger'): Detector & { seen: Map<string, number[]> } {
  const seen = new Map<string, number[]>();
  const detector = defineDetector({
    name,
    signalTypes: ['log'],
    observe(s: Signal): Finding | undefined {
      if (s.type !== 'log') return undefined;
      const key = seriesKeyOf(s);
      const list = seen.get(key) ?? [];
      list.push(s.timestamp);
      seen.set(key, list);
      const status = s.message.startsWith('fail') ? 'firing' : s.message.startsWith('recover') ? 'resolved' : undefined;
      if (!status) return undefined;
      return {
        detector: name,
        seriesKey: key,
        kind: 'trigger',
        status,
        score: 0.9,
        title: `${s.service ?? 'unknown'} is failing`,
        startedAt: s.timestamp,
        at: s.timestamp,
        labels: { service: s.service ?? 'unknown' },
        evidence: [{ type: 'log', count: 1, samples: [s.message] }],
      };
    },
  });
  return Object.assign(detector, { seen });
}

/** Wraps a store so that writes wait for `release()`, and counts them. */
export function gatedStore(inner: StateStore): StateStore & { release(): void; puts: number; blocked: number } {
  let open = false;
  let waiters: Array<() => void> = [];
  const gate = async (): Promise<void> => {
    if (open) return;
    wrapper.blocked++;
    await new Promise<void>((resolve) => waiters.push(resolve));
  };
  const wrapper = {
    puts: 0,
    blocked: 0,
    release(): void {
      open = true;
      for (const w of waiters) w();
      waiters = [];
    },
    get: <T>(key: string) => inner.get<T>(key),
    async put<T>(key: string, value: T, options?: PutOptions) {
      wrapper.puts++;
      await gate();
      return inner.put<T>(key, value, options);
    },
    delete: (key: string, options?: { expectedVersion?: number }) => inner.delete(key, options),
    list: <T>(prefix: string, options?: ListOptions) => inner.list<T>(prefix, options),
  };
  return wrapper;
}

/** Waits (real time) until `check` holds, polling. */
export async function until(check: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
