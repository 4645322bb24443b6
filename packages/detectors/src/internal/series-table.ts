/**
 * Per-series state with a hard cap and idle eviction. Eviction at the cap uses the CLOCK
 * ("second chance") policy over insertion order, an O(1) approximation of least-recently-used:
 * no reordering on every touch, which keeps the hot path cheap.
 */
export interface SeriesEntry<S> {
  state: S;
  /** Event time of the latest observation. */
  lastSeen: number;
  /** Set on touch, cleared when the clock hand passes: the second chance. */
  used: boolean;
  /**
   * Where a caller holds this entry to reach it without a lookup (see `SeriesKeys`); the caller
   * empties it when the entry leaves the table.
   */
  hold?: { entry: SeriesEntry<S> | undefined };
}

export class SeriesTable<S> {
  readonly #map = new Map<string, SeriesEntry<S>>();
  /** Series dropped because the table was full. */
  evictedByCapacity = 0;
  /** Series dropped because they were idle longer than the TTL. */
  evictedByIdle = 0;

  constructor(readonly maxSeries: number) {}

  get size(): number {
    return this.#map.size;
  }

  get(key: string): SeriesEntry<S> | undefined {
    const e = this.#map.get(key);
    if (e) e.used = true;
    return e;
  }

  /** Adds a series, evicting one first when full; returns the evicted key, if any. */
  add(key: string, state: S, at: number): { entry: SeriesEntry<S>; evicted?: [string, SeriesEntry<S>] } {
    let evicted: [string, SeriesEntry<S>] | undefined;
    if (this.#map.size >= this.maxSeries) evicted = this.#evictOne();
    const entry: SeriesEntry<S> = { state, lastSeen: at, used: false };
    this.#map.set(key, entry);
    return evicted ? { entry, evicted } : { entry };
  }

  /**
   * The clock hand: a live iterator over the map, which keeps its place across insertions and
   * deletions (a fresh iterator from the start would step over every deleted slot each time).
   */
  #hand: IterableIterator<[string, SeriesEntry<S>]> | undefined;

  #evictOne(): [string, SeriesEntry<S>] | undefined {
    // Each step clears one "used" bit, so the loop ends within 2 × size + 1 steps.
    for (let wrapped = 0; wrapped < 3; ) {
      this.#hand ??= this.#map.entries();
      const next = this.#hand.next();
      if (next.done) {
        this.#hand = undefined;
        wrapped++;
        continue;
      }
      const [key, entry] = next.value;
      if (entry.used) {
        entry.used = false;
        continue;
      }
      this.#map.delete(key);
      this.evictedByCapacity++;
      return [key, entry];
    }
    return undefined;
  }

  /** Removes series not seen since `before` (event time); returns them. */
  evictIdle(before: number): [string, SeriesEntry<S>][] {
    const out: [string, SeriesEntry<S>][] = [];
    for (const [key, e] of this.#map) {
      if (e.lastSeen < before) {
        this.#map.delete(key);
        out.push([key, e]);
      }
    }
    this.evictedByIdle += out.length;
    return out;
  }

  entries(): IterableIterator<[string, SeriesEntry<S>]> {
    return this.#map.entries();
  }

  clear(): void {
    this.#map.clear();
    this.#hand = undefined;
  }

  /** Restores one series as it was, without eviction accounting. */
  put(key: string, state: S, lastSeen: number): void {
    this.#map.set(key, { state, lastSeen, used: false });
  }
}
