import { cloneJson } from '@aiops/core';
import { SeriesTable } from '../internal/series-table.js';

/**
 * Event-time windows per key: tumbling (`hopMs` = `sizeMs`) or sliding (`hopMs` < `sizeMs`), closed
 * when the watermark passes their end plus the allowed lateness. A record whose latest window has
 * already closed is late: it is counted and dropped, never folded silently into another window.
 */
export interface WindowSpec {
  readonly sizeMs: number;
  readonly hopMs: number;
  readonly allowedLatenessMs: number;
}

/** One closed window of one key. */
export interface ClosedWindow<A> {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly acc: A;
}

/** Per-key state: open windows by start (ascending), the start of the newest closed one, latest event time, and the owner's own state. */
export interface KeyWindows<A, X = undefined> {
  w: [start: number, acc: A][];
  closed: number;
  maxT: number;
  x: X;
}

/** Counters of a {@link KeyedWindows}. */
export interface KeyedWindowCounters {
  late: number;
  windowsClosed: number;
}

/** Keyed event-time windows with a bounded number of keys. Internal building block of the window detectors. */
export class KeyedWindows<A, X = undefined> {
  table: SeriesTable<KeyWindows<A, X>>;
  readonly counters: KeyedWindowCounters = { late: 0, windowsClosed: 0 };

  constructor(
    readonly spec: WindowSpec,
    readonly create: () => A,
    maxKeys: number,
    readonly createExtra: () => X = () => undefined as X,
  ) {
    this.table = new SeriesTable(maxKeys);
  }

  /** Start of the newest window that contains `t`. */
  latestStart(t: number): number {
    return Math.floor(t / this.spec.hopMs) * this.spec.hopMs;
  }

  /**
   * The open windows that contain `t`, created as needed (oldest first); `undefined` when the record
   * is late. `evicted` receives a key dropped to make room, with its open windows.
   */
  windowsFor(key: string, t: number, evicted?: (key: string, state: KeyWindows<A, X>) => void): A[] | undefined {
    let entry = this.table.get(key);
    if (!entry) {
      const added = this.table.add(key, { w: [], closed: Number.NEGATIVE_INFINITY, maxT: t, x: this.createExtra() }, t);
      if (added.evicted && evicted) evicted(added.evicted[0], added.evicted[1].state);
      entry = added.entry;
    }
    const st = entry.state;
    const latest = this.latestStart(t);
    if (latest <= st.closed) {
      this.counters.late++;
      return undefined;
    }
    if (t > st.maxT) st.maxT = t;
    if (t > entry.lastSeen) entry.lastSeen = t;
    const { sizeMs, hopMs } = this.spec;
    const out: A[] = [];
    const first = Math.max(latest - sizeMs + hopMs, st.closed + hopMs);
    for (let start = first; start <= latest; start += hopMs) {
      if (start + sizeMs <= t) continue;
      out.push(this.#window(st, start));
    }
    return out;
  }

  #window(st: KeyWindows<A, X>, start: number): A {
    const w = st.w;
    let i = w.length - 1;
    while (i >= 0 && w[i]![0] > start) i--;
    if (i >= 0 && w[i]![0] === start) return w[i]![1];
    const acc = this.create();
    w.splice(i + 1, 0, [start, acc]);
    return acc;
  }

  /** Closes the windows of `key` that end at or before `watermark - allowedLatenessMs`, oldest first. */
  close(key: string, st: KeyWindows<A, X>, watermark: number, out: ClosedWindow<A>[]): void {
    const limit = watermark - this.spec.allowedLatenessMs;
    while (st.w.length > 0 && st.w[0]![0] + this.spec.sizeMs <= limit) {
      const [start, acc] = st.w.shift()!;
      st.closed = start;
      this.counters.windowsClosed++;
      out.push({ key, start, end: start + this.spec.sizeMs, acc });
    }
    // A key with no open window still remembers what is closed, so a late record stays late.
    const edge = this.latestStart(limit - this.spec.sizeMs);
    if (st.w.length === 0 && edge > st.closed) st.closed = edge;
  }

  /** Closes windows of every key against a common watermark. */
  closeAll(watermark: number, out: ClosedWindow<A>[]): void {
    for (const [key, e] of this.table.entries()) this.close(key, e.state, watermark, out);
  }

  /**
   * Every key as plain JSON, `[key, lastSeen, state]`, for detectors whose accumulators and extra
   * state are JSON already (`closed` of a key that never closed a window becomes null).
   */
  snapshotKeys(): [string, number, unknown][] {
    const keys: [string, number, unknown][] = [];
    for (const [key, e] of this.table.entries()) {
      const { closed, ...rest } = e.state;
      keys.push([key, e.lastSeen, cloneJson({ ...rest, closed: Number.isFinite(closed) ? closed : null })]);
    }
    return keys;
  }

  /** Puts back the keys of a {@link KeyedWindows.snapshotKeys}. */
  restoreKeys(keys: readonly (readonly [string, number, unknown])[]): void {
    for (const [key, lastSeen, raw] of keys) {
      const st = cloneJson(raw) as Omit<KeyWindows<A, X>, 'closed'> & { closed: number | null };
      this.table.put(key, { ...st, closed: st.closed ?? Number.NEGATIVE_INFINITY }, lastSeen);
    }
  }
}
