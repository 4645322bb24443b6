/**
 * Core's `seriesKeyOf`, remembered: a detector sees the same few series over and over, and building
 * a key string (sorting dimensions, escaping, concatenating) for every signal, then hashing that
 * fresh string for the series table, costs more than the detector's own work. Here a signal finds
 * its key through maps keyed by its fields as they arrive: no string is built on a hit, and the
 * strings looked up are the signal's own, so nothing can collide (two signals reach the same entry
 * only when every field and every dimension name and value are equal). Bounded: past `maxEntries`
 * keys the cache starts again empty. Internal: not exported from the package.
 */
import { type LogSignal, type MetricSignal, seriesKeyOf } from '@aiops/core';

/**
 * One step of a metric's path: its key if a signal ended here, what the caller keeps there (`slot`,
 * e.g. a way to its series' state without another lookup), and the dimensions that follow.
 */
interface Node<T> {
  key: string | undefined;
  slot: T | undefined;
  /** Dimension name, then value, in the order the signal's object lists them. */
  next: Map<string, Map<string, Node<T>>> | undefined;
}

/** Where a metric signal's path ends: its series key, and the caller's slot for that series. */
export interface KeyNode<T> {
  readonly key: string;
  slot: T | undefined;
}

function newNode<T>(): Node<T> {
  return { key: undefined, slot: undefined, next: undefined };
}

export class SeriesKeys<T = never> {
  /** Namespace, then metric name. */
  #metrics = new Map<string, Map<string, Node<T>>>();
  /** Service, for logs that have one. */
  #services = new Map<string, string>();
  /** Log group, for logs without a service. */
  #groups = new Map<string, string>();
  #size = 0;

  constructor(readonly maxEntries: number) {}

  /** Keys currently remembered. */
  get size(): number {
    return this.#size;
  }

  #grow(): void {
    if (++this.#size <= this.maxEntries) return;
    this.#metrics = new Map();
    this.#services = new Map();
    this.#groups = new Map();
    this.#size = 1;
  }

  /** `seriesKeyOf(signal)` for a metric signal. */
  metric(signal: MetricSignal): string {
    return this.metricNode(signal).key;
  }

  /** The node of a metric signal's series: `seriesKeyOf(signal)`, and the caller's slot. */
  metricNode(signal: MetricSignal): KeyNode<T> {
    let byName = this.#metrics.get(signal.namespace);
    if (byName === undefined) {
      byName = new Map();
      this.#metrics.set(signal.namespace, byName);
    }
    let node = byName.get(signal.name);
    if (node === undefined) {
      node = newNode<T>();
      byName.set(signal.name, node);
    }
    const dimensions = signal.dimensions;
    for (const name in dimensions) {
      const value = dimensions[name]!;
      node.next ??= new Map();
      let byValue = node.next.get(name);
      if (byValue === undefined) {
        byValue = new Map();
        node.next.set(name, byValue);
      }
      let next = byValue.get(value);
      if (next === undefined) {
        next = newNode<T>();
        byValue.set(value, next);
      }
      node = next;
    }
    if (node.key !== undefined) return node as KeyNode<T>;
    // Grow before storing: a reset empties the maps this node hangs from, not the node itself.
    this.#grow();
    node.key = seriesKeyOf(signal);
    return node as KeyNode<T>;
  }

  /** `seriesKeyOf(signal)` for a log signal. */
  log(signal: LogSignal): string {
    const service = signal.service;
    if (service) {
      const hit = this.#services.get(service);
      if (hit !== undefined) return hit;
      const key = seriesKeyOf(signal);
      this.#grow();
      this.#services.set(service, key);
      return key;
    }
    const group = signal.logGroup;
    if (group) {
      const hit = this.#groups.get(group);
      if (hit !== undefined) return hit;
      const key = seriesKeyOf(signal);
      this.#grow();
      this.#groups.set(group, key);
      return key;
    }
    return seriesKeyOf(signal);
  }
}
