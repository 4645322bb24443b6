import {
  cloneJson,
  type Finding,
  type Incident,
  parseOptions,
  SEVERITY_ORDER,
  type Severity,
  stableHash,
} from '@aiops/core';
import { z } from 'zod';
import { InhibitRuleSchema, matchesAll, SilenceSchema } from './matchers.js';

/**
 * Options of the incident manager: how findings are grouped and when their incident is announced,
 * reminded, and resolved. Times are wall-clock milliseconds; the defaults suit a self-healing loop
 * (announce at once, update at most once a minute, resolve after five quiet minutes).
 *
 * @example
 * ```ts
 * import { IncidentOptionsSchema } from '@aiops/pipeline';
 * const opts = IncidentOptionsSchema.parse({ groupWaitMs: 2_000 });
 * opts.resolveAfterMs; // 300000
 * ```
 */
export const IncidentOptionsSchema = z.object({
  /** Groups findings: findings with the same fingerprint share an incident. Default: (detector, series, kind). */
  fingerprint: z.custom<(finding: Finding) => string>((v) => typeof v === 'function', 'expected a function').optional(),
  /** How long to gather findings after the first before announcing the incident. */
  groupWaitMs: z.number().int().nonnegative().default(0),
  /** Least time between two `incident.updated` events for new findings. */
  groupIntervalMs: z.number().int().positive().default(60_000),
  /** Reminder (`incident.updated` with `reminder: true`) when an incident stays open this long unchanged. */
  repeatIntervalMs: z
    .number()
    .int()
    .positive()
    .default(4 * 3_600_000),
  /** An open incident with no firing finding for this long resolves as `quiet`. */
  resolveAfterMs: z
    .number()
    .int()
    .positive()
    .default(5 * 60_000),
  /** How long a resolved incident is kept, so a recurrence opens the next epoch of the same fingerprint. */
  retentionMs: z
    .number()
    .int()
    .positive()
    .default(7 * 24 * 3_600_000),
  silences: z.array(SilenceSchema).default([]),
  inhibitRules: z.array(InhibitRuleSchema).default([]),
  /** Most findings kept on an incident (the latest per detector, series and kind). */
  maxFindingsPerIncident: z.number().int().positive().max(100).default(50),
});
/**
 * Options accepted by the incident manager, see {@link IncidentOptionsSchema}.
 *
 * @example
 * ```ts
 * import { createPipeline, type IncidentOptions } from '@aiops/pipeline';
 * const incidents: IncidentOptions = {
 *   // One incident per service, whichever detector or series noticed it.
 *   fingerprint: (finding) => finding.labels.service ?? finding.seriesKey,
 *   groupWaitMs: 30_000,
 *   resolveAfterMs: 10 * 60_000,
 * };
 * const pipeline = createPipeline({ sources: [], detectors: [], incidents });
 * ```
 */
export type IncidentOptions = z.input<typeof IncidentOptionsSchema>;
type ResolvedIncidentOptions = z.output<typeof IncidentOptionsSchema>;

/**
 * One event of an incident record: what the slow path acts on. `seq` grows by one per event of a
 * fingerprint, across epochs.
 *
 * @example
 * ```ts
 * import type { RecordEvent } from '@aiops/pipeline';
 * const e: RecordEvent = { seq: 1, epoch: 1, type: 'opened', at: Date.now() };
 * ```
 */
export interface RecordEvent {
  readonly seq: number;
  readonly epoch: number;
  readonly type: 'opened' | 'updated' | 'resolved';
  readonly at: number;
  readonly reminder?: boolean;
}

/**
 * What the store keeps per fingerprint (key `incident/<fingerprint>`): the incident, its recent
 * events, and the bookkeeping that makes grouping timers and replays safe.
 *
 * @example
 * ```ts
 * import type { IncidentRecord } from '@aiops/pipeline';
 * const open = (r: IncidentRecord) => r.incident.status === 'open';
 * ```
 */
export interface IncidentRecord {
  incident: Incident;
  /** Seq of the newest event. */
  seq: number;
  /** The newest events, oldest first, bounded. */
  events: RecordEvent[];
  /** Whether `opened` was emitted for the current epoch. */
  announced: boolean;
  notifiedAt?: number;
  pendingUpdate: boolean;
  /** Wall-clock time of the newest firing finding. */
  lastActiveAt: number;
  /** Detector|series|kind of findings still firing. */
  active: string[];
  /** Newest event time seen per detector|series|kind|status: replayed findings at or before it are ignored. */
  highWater: Record<string, number>;
  suppressed?: { by: 'silence' | 'inhibition'; id: string };
}

/**
 * A change the incident manager made, for events and stats.
 *
 * @example
 * ```ts
 * import type { IncidentChange } from '@aiops/pipeline';
 * const log = (c: IncidentChange) => console.log(c.type, c.incident.fingerprint);
 * ```
 */
export interface IncidentChange {
  readonly type: 'created' | 'opened' | 'updated' | 'resolved' | 'reopened';
  readonly incident: Incident;
  readonly suppressed?: IncidentRecord['suppressed'];
}

/**
 * A changed record as `takeDirty` hands it out.
 *
 * @example
 * ```ts
 * import type { DirtyRecord } from '@aiops/pipeline';
 * const key = (d: DirtyRecord) => `incident/${d.fingerprint}`;
 * ```
 */
export interface DirtyRecord {
  readonly fingerprint: string;
  readonly record: IncidentRecord;
  readonly findings: readonly Finding[];
}

/**
 * What `observe` did with a finding.
 *
 * @example
 * ```ts
 * import { createPipeline, type ObserveOutcome } from '@aiops/pipeline';
 * const outcomes = new Map<ObserveOutcome, number>();
 * createPipeline({ sources: [], detectors: [] }).on('finding', (_finding, outcome) => {
 *   outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
 * });
 * ```
 */
export type ObserveOutcome = 'created' | 'reopened' | 'updated' | 'resolved' | 'duplicate' | 'ignored';

const MAX_EVENTS = 20;
const MAX_CACHED_FINGERPRINTS = 10_000;
const MAX_HIGH_WATER = 500;
const MAX_CACHED_RESOLVED = 10_000;

/**
 * Groups findings into incidents by fingerprint, in the manner of Alertmanager: group wait, group
 * interval, repeat interval, auto-resolve after a quiet period, silences and inhibition. It holds
 * records in memory and reports which changed (`takeDirty`), so the pipeline can write them to the
 * store before acknowledging the records that caused them. Synchronous: it is on the fast path.
 *
 * @example
 * ```ts
 * import { IncidentManager } from '@aiops/pipeline';
 * const manager = new IncidentManager({ groupWaitMs: 0 });
 * manager.observe({
 *   detector: 'error-rate', seriesKey: 'log:checkout', kind: 'error-rate-spike', status: 'firing',
 *   score: 0.95, startedAt: 0, at: 0, labels: { service: 'checkout' }, evidence: [],
 * }, Date.now());
 * manager.openIncidents().length; // 1
 * ```
 */
export class IncidentManager {
  readonly options: ResolvedIncidentOptions;
  readonly #records = new Map<string, IncidentRecord>();
  readonly #dirty = new Set<string>();
  readonly #versions = new Map<string, number>();
  readonly #pending = new Map<string, Finding[]>();
  readonly #fingerprints = new Map<string, string>();

  constructor(options: IncidentOptions = {}) {
    this.options = parseOptions(IncidentOptionsSchema, options, 'IncidentManager');
  }

  /** The fingerprint a finding belongs to. */
  fingerprintOf(finding: Finding): string {
    if (this.options.fingerprint) return this.options.fingerprint(finding);
    const key = `${finding.detector}\u0000${finding.seriesKey}\u0000${finding.kind}`;
    let fp = this.#fingerprints.get(key);
    if (fp === undefined) {
      fp = stableHash(finding.detector, finding.seriesKey, finding.kind);
      if (this.#fingerprints.size >= MAX_CACHED_FINGERPRINTS) this.#fingerprints.clear();
      this.#fingerprints.set(key, fp);
    }
    return fp;
  }

  /** Adds records read from the store (on start, or after a conflicting write), with their versions. */
  load(record: IncidentRecord, version: number): void {
    this.#records.set(record.incident.fingerprint, record);
    this.#versions.set(record.incident.fingerprint, version);
  }

  /** The stored version a record was last read or written at; 0 when it was never stored. */
  versionOf(fingerprint: string): number {
    return this.#versions.get(fingerprint) ?? 0;
  }

  /** Records that a write of `fingerprint` at `version` succeeded. */
  committed(fingerprint: string, version: number): void {
    this.#versions.set(fingerprint, version);
  }

  get(fingerprint: string): IncidentRecord | undefined {
    return this.#records.get(fingerprint);
  }

  openIncidents(): Incident[] {
    const out: Incident[] = [];
    for (const r of this.#records.values()) if (r.incident.status === 'open') out.push(r.incident);
    return out;
  }

  /**
   * Records changed since the last call, each as a copy safe to write while the manager goes on,
   * with the findings applied to it since (to re-apply over a newer stored record after a write
   * conflict). Clears the dirty set.
   */
  takeDirty(): DirtyRecord[] {
    const out: DirtyRecord[] = [];
    for (const fp of this.#dirty) {
      const record = this.#records.get(fp);
      if (record) out.push({ fingerprint: fp, record: cloneJson(record), findings: this.#pending.get(fp) ?? [] });
    }
    this.#dirty.clear();
    this.#pending.clear();
    return out;
  }

  /** Marks records dirty again, e.g. after a failed write, so the next commit retries them. */
  markDirty(fingerprints: Iterable<string>): void {
    for (const fp of fingerprints) if (this.#records.has(fp)) this.#dirty.add(fp);
  }

  get dirtyCount(): number {
    return this.#dirty.size;
  }

  /**
   * Applies one finding at wall-clock time `now`, and reports each change through `onChange`.
   */
  observe(finding: Finding, now: number, onChange?: (change: IncidentChange) => void): ObserveOutcome {
    const fp = this.fingerprintOf(finding);
    const comp = `${finding.detector}|${finding.seriesKey}|${finding.kind}`;
    const hwKey = `${comp}|${finding.status}`;
    let rec = this.#records.get(fp);
    const hw = rec?.highWater[hwKey];
    if (hw !== undefined && finding.at <= hw) return 'duplicate';
    const pending = this.#pending.get(fp);
    if (pending) pending.push(finding);
    else this.#pending.set(fp, [finding]);

    if (finding.status === 'resolved') {
      if (rec?.incident.status !== 'open') return 'ignored';
      const idx = rec.active.indexOf(comp);
      if (idx < 0) return 'ignored';
      setHighWater(rec, hwKey, finding.at);
      rec.active.splice(idx, 1);
      this.#upsertFinding(rec, finding);
      this.#dirty.add(fp);
      if (rec.active.length === 0) {
        this.#resolve(rec, now, 'detector', onChange);
        return 'resolved';
      }
      rec.incident = { ...rec.incident, updatedAt: now };
      return 'updated';
    }

    let outcome: ObserveOutcome;
    if (!rec || rec.incident.status === 'resolved') {
      outcome = rec ? 'reopened' : 'created';
      rec = this.#open(fp, finding, now, rec);
      onChange?.({ type: outcome === 'created' ? 'created' : 'reopened', incident: rec.incident });
    } else {
      outcome = 'updated';
      this.#upsertFinding(rec, finding);
      const severity = maxSeverity(rec.incident.severity, severityOf(finding));
      rec.incident = {
        ...rec.incident,
        severity,
        title: severity !== rec.incident.severity && finding.title ? finding.title : rec.incident.title,
        labels: { ...finding.labels, ...rec.incident.labels },
        updatedAt: now,
        lastFindingAt: Math.max(rec.incident.lastFindingAt, finding.at),
        counts: {
          findings: rec.incident.counts.findings + 1,
          series: rec.incident.counts.series,
        },
      };
      rec.pendingUpdate = true;
    }
    setHighWater(rec, hwKey, finding.at);
    if (!rec.active.includes(comp)) {
      rec.active.push(comp);
      rec.incident = {
        ...rec.incident,
        counts: { ...rec.incident.counts, series: countSeries(rec.incident.findings) },
      };
    }
    rec.lastActiveAt = now;
    this.#dirty.add(fp);
    if (!rec.announced && this.options.groupWaitMs === 0) this.#announce(rec, now, onChange);
    return outcome;
  }

  /**
   * Runs the timers at wall-clock time `now`: announces incidents whose group wait elapsed, emits
   * grouped updates and reminders, resolves quiet incidents, and re-checks silences and inhibition.
   */
  tick(now: number, onChange?: (change: IncidentChange) => void): void {
    const o = this.options;
    let resolvedCount = 0;
    for (const rec of this.#records.values()) {
      const inc = rec.incident;
      if (inc.status !== 'open') {
        resolvedCount++;
        continue;
      }
      if (now - rec.lastActiveAt >= o.resolveAfterMs) {
        this.#dirty.add(inc.fingerprint);
        this.#resolve(rec, now, 'quiet', onChange);
        continue;
      }
      if (!rec.announced) {
        if (now - inc.openedAt >= o.groupWaitMs) this.#announce(rec, now, onChange);
        continue;
      }
      const sinceNotified = now - (rec.notifiedAt ?? inc.openedAt);
      if (rec.pendingUpdate && sinceNotified >= o.groupIntervalMs) {
        this.#emitUpdate(rec, now, false, onChange);
      } else if (sinceNotified >= o.repeatIntervalMs) {
        this.#emitUpdate(rec, now, true, onChange);
      }
    }
    if (resolvedCount > MAX_CACHED_RESOLVED) this.#evictResolved(resolvedCount - MAX_CACHED_RESOLVED);
  }

  /** The earliest wall-clock time at which `tick` has something to do, or `undefined`. */
  nextDueAt(): number | undefined {
    const o = this.options;
    let next: number | undefined;
    const consider = (t: number): void => {
      if (next === undefined || t < next) next = t;
    };
    for (const rec of this.#records.values()) {
      const inc = rec.incident;
      if (inc.status !== 'open') continue;
      consider(rec.lastActiveAt + o.resolveAfterMs);
      if (!rec.announced) consider(inc.openedAt + o.groupWaitMs);
      else {
        const base = rec.notifiedAt ?? inc.openedAt;
        consider(base + (rec.pendingUpdate ? o.groupIntervalMs : o.repeatIntervalMs));
      }
    }
    return next;
  }

  #open(fp: string, finding: Finding, now: number, previous: IncidentRecord | undefined): IncidentRecord {
    const incident: Incident = {
      fingerprint: fp,
      epoch: (previous?.incident.epoch ?? 0) + 1,
      status: 'open',
      title: finding.title ?? `${finding.kind} on ${finding.seriesKey}`,
      severity: severityOf(finding),
      labels: { ...finding.labels },
      openedAt: now,
      updatedAt: now,
      lastFindingAt: finding.at,
      findings: [finding],
      counts: { findings: 1, series: 1 },
    };
    const rec: IncidentRecord = {
      incident,
      seq: previous?.seq ?? 0,
      events: previous?.events ?? [],
      announced: false,
      pendingUpdate: false,
      lastActiveAt: now,
      active: [],
      highWater: previous?.highWater ?? {},
    };
    this.#records.delete(fp);
    this.#records.set(fp, rec);
    return rec;
  }

  #announce(rec: IncidentRecord, now: number, onChange?: (change: IncidentChange) => void): void {
    const suppressed = this.#suppression(rec, now);
    if (suppressed) {
      if (rec.suppressed?.id !== suppressed.id) {
        rec.suppressed = suppressed;
        this.#dirty.add(rec.incident.fingerprint);
      }
      return;
    }
    delete rec.suppressed;
    rec.announced = true;
    rec.notifiedAt = now;
    rec.pendingUpdate = false;
    this.#push(rec, 'opened', now);
    this.#dirty.add(rec.incident.fingerprint);
    onChange?.({ type: 'opened', incident: rec.incident });
  }

  #emitUpdate(rec: IncidentRecord, now: number, reminder: boolean, onChange?: (c: IncidentChange) => void): void {
    const suppressed = this.#suppression(rec, now);
    rec.notifiedAt = now;
    rec.pendingUpdate = false;
    this.#dirty.add(rec.incident.fingerprint);
    if (suppressed) {
      rec.suppressed = suppressed;
      return;
    }
    delete rec.suppressed;
    this.#push(rec, 'updated', now, reminder);
    onChange?.({ type: 'updated', incident: rec.incident });
  }

  #resolve(
    rec: IncidentRecord,
    now: number,
    resolution: 'detector' | 'quiet',
    onChange?: (change: IncidentChange) => void,
  ): void {
    rec.incident = { ...rec.incident, status: 'resolved', resolvedAt: now, updatedAt: now, resolution };
    rec.active = [];
    rec.pendingUpdate = false;
    // Only an announced incident has anyone to tell; one resolved within its group wait, or while
    // silenced before it was ever announced, closes quietly.
    if (rec.announced) this.#push(rec, 'resolved', now);
    onChange?.({ type: 'resolved', incident: rec.incident, ...(rec.suppressed ? { suppressed: rec.suppressed } : {}) });
  }

  #push(rec: IncidentRecord, type: RecordEvent['type'], now: number, reminder = false): void {
    rec.seq += 1;
    rec.events.push({ seq: rec.seq, epoch: rec.incident.epoch, type, at: now, ...(reminder ? { reminder } : {}) });
    if (rec.events.length > MAX_EVENTS) rec.events.splice(0, rec.events.length - MAX_EVENTS);
  }

  #upsertFinding(rec: IncidentRecord, finding: Finding): void {
    const findings = rec.incident.findings.filter(
      (f) => !(f.detector === finding.detector && f.seriesKey === finding.seriesKey && f.kind === finding.kind),
    );
    findings.push(finding);
    const max = this.options.maxFindingsPerIncident;
    if (findings.length > max) findings.splice(0, findings.length - max);
    rec.incident = { ...rec.incident, findings };
  }

  #suppression(rec: IncidentRecord, now: number): IncidentRecord['suppressed'] {
    const labels = labelsFor(rec.incident);
    for (const s of this.options.silences) {
      if (now >= s.startsAt && now < s.endsAt && matchesAll(labels, s.matchers)) return { by: 'silence', id: s.id };
    }
    for (const [i, rule] of this.options.inhibitRules.entries()) {
      if (!matchesAll(labels, rule.target)) continue;
      for (const other of this.#records.values()) {
        const inc = other.incident;
        if (inc.status !== 'open' || inc.fingerprint === rec.incident.fingerprint || !other.announced) continue;
        const otherLabels = labelsFor(inc);
        if (!matchesAll(otherLabels, rule.source)) continue;
        if (!rule.equal.every((l) => (otherLabels[l] ?? '') === (labels[l] ?? ''))) continue;
        if (rule.lesserOnly && severityRank(inc.severity) <= severityRank(rec.incident.severity)) continue;
        return { by: 'inhibition', id: `rule-${i}:${inc.fingerprint}` };
      }
    }
    return undefined;
  }

  #evictResolved(count: number): void {
    let left = count;
    for (const [fp, rec] of this.#records) {
      if (left <= 0) break;
      if (rec.incident.status === 'resolved' && !this.#dirty.has(fp)) {
        this.#records.delete(fp);
        this.#versions.delete(fp);
        left--;
      }
    }
  }
}

/**
 * The labels that silences and inhibition rules match against: the incident's own labels plus
 * `fingerprint`, `severity`, and the `detector`, `kind` and `seriesKey` of its first finding.
 *
 * @example
 * ```ts
 * import { labelsFor } from '@aiops/pipeline';
 * // labelsFor(incident).severity === incident.severity
 * ```
 */
export function labelsFor(incident: Incident): Record<string, string> {
  const first = incident.findings[0];
  return {
    ...incident.labels,
    fingerprint: incident.fingerprint,
    severity: incident.severity,
    ...(first ? { detector: first.detector, kind: first.kind, seriesKey: first.seriesKey } : {}),
  };
}

function setHighWater(rec: IncidentRecord, key: string, at: number): void {
  if (!(key in rec.highWater) && Object.keys(rec.highWater).length >= MAX_HIGH_WATER) {
    const oldest = Object.entries(rec.highWater).sort((a, b) => a[1] - b[1])[0];
    if (oldest) delete rec.highWater[oldest[0]];
  }
  rec.highWater[key] = Math.max(at, rec.highWater[key] ?? at);
}

function countSeries(findings: readonly Finding[]): number {
  return new Set(findings.map((f) => f.seriesKey)).size;
}

function severityRank(s: Severity): number {
  return SEVERITY_ORDER.indexOf(s);
}

function maxSeverity(a: Severity, b: Severity): Severity {
  return severityRank(a) >= severityRank(b) ? a : b;
}

/**
 * The severity of a finding: its own, or one derived from its score (≥ 0.9 high, ≥ 0.7 medium, else low).
 *
 * @example
 * ```ts
 * import { severityOf } from '@aiops/pipeline';
 * severityOf({ score: 0.95 } as never); // 'high'
 * ```
 */
export function severityOf(finding: Pick<Finding, 'severity' | 'score'>): Severity {
  if (finding.severity) return finding.severity;
  if (finding.score >= 0.9) return 'high';
  if (finding.score >= 0.7) return 'medium';
  return 'low';
}
