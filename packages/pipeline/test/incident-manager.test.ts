import type { Finding } from '@aiops/core';
import { IncidentSchema } from '@aiops/core';
import { describe, expect, it } from 'vitest';
import { type IncidentChange, IncidentManager, labelsFor } from '../src/incident-manager.js';
import { matchesAll } from '../src/matchers.js';

const T0 = 1_700_000_000_000;

function finding(over: Partial<Finding> = {}): Finding {
  return {
    detector: 'error-rate',
    seriesKey: 'log:checkout',
    kind: 'error-rate-spike',
    status: 'firing',
    score: 0.95,
    startedAt: T0,
    at: T0,
    labels: { service: 'checkout' },
    evidence: [],
    ...over,
  };
}

function collect(): { changes: IncidentChange[]; on: (c: IncidentChange) => void } {
  const changes: IncidentChange[] = [];
  return { changes, on: (c) => changes.push(c) };
}

describe('IncidentManager', () => {
  it('opens one incident per fingerprint and announces it at once with no group wait', () => {
    const m = new IncidentManager();
    const { changes, on } = collect();
    expect(m.observe(finding(), T0, on)).toBe('created');
    expect(m.observe(finding({ at: T0 + 1_000 }), T0 + 1_000, on)).toBe('updated');
    expect(m.openIncidents()).toHaveLength(1);
    const inc = m.openIncidents()[0]!;
    expect(IncidentSchema.safeParse(inc).success).toBe(true);
    expect(inc.counts.findings).toBe(2);
    expect(inc.epoch).toBe(1);
    expect(changes.map((c) => c.type)).toEqual(['created', 'opened']);
    const rec = m.get(inc.fingerprint)!;
    expect(rec.events.map((e) => e.type)).toEqual(['opened']);
  });

  it('keeps different series, kinds and detectors apart by default', () => {
    const m = new IncidentManager();
    m.observe(finding(), T0);
    m.observe(finding({ seriesKey: 'log:cart' }), T0);
    m.observe(finding({ kind: 'new-pattern' }), T0);
    m.observe(finding({ detector: 'other' }), T0);
    expect(m.openIncidents()).toHaveLength(4);
  });

  it('groups by a user fingerprint function', () => {
    const m = new IncidentManager({ fingerprint: (f) => f.labels.service ?? 'none' });
    m.observe(finding(), T0);
    m.observe(
      finding({ seriesKey: 'log:checkout-worker', kind: 'new-pattern', severity: 'critical', title: 'panic' }),
      T0,
    );
    const [inc] = m.openIncidents();
    expect(m.openIncidents()).toHaveLength(1);
    expect(inc!.fingerprint).toBe('checkout');
    expect(inc!.counts).toEqual({ findings: 2, series: 2 });
    expect(inc!.severity).toBe('critical');
    expect(inc!.title).toBe('panic');
  });

  it('waits for the group wait before announcing, then batches updates per group interval', () => {
    const m = new IncidentManager({ groupWaitMs: 10_000, groupIntervalMs: 60_000 });
    const { changes, on } = collect();
    m.observe(finding(), T0, on);
    const fp = m.openIncidents()[0]!.fingerprint;
    m.tick(T0 + 9_999, on);
    expect(m.get(fp)!.events).toHaveLength(0);
    m.tick(T0 + 10_000, on);
    expect(m.get(fp)!.events.map((e) => e.type)).toEqual(['opened']);
    m.observe(finding({ at: T0 + 20_000 }), T0 + 20_000, on);
    m.observe(finding({ at: T0 + 21_000 }), T0 + 21_000, on);
    m.tick(T0 + 69_999, on);
    expect(m.get(fp)!.events.map((e) => e.type)).toEqual(['opened']);
    m.tick(T0 + 70_000, on);
    expect(m.get(fp)!.events.map((e) => e.type)).toEqual(['opened', 'updated']);
    expect(changes.filter((c) => c.type === 'updated')).toHaveLength(1);
    expect(m.nextDueAt()).toBeGreaterThan(T0 + 70_000);
  });

  it('sends a reminder after the repeat interval', () => {
    const m = new IncidentManager({ repeatIntervalMs: 3_600_000, resolveAfterMs: 10 * 3_600_000 });
    m.observe(finding(), T0);
    const fp = m.openIncidents()[0]!.fingerprint;
    m.tick(T0 + 3_600_000);
    const last = m.get(fp)!.events.at(-1)!;
    expect(last).toMatchObject({ type: 'updated', reminder: true });
  });

  it('resolves when every firing component reports resolved, and reopens as the next epoch', () => {
    const m = new IncidentManager({ fingerprint: () => 'svc' });
    const { changes, on } = collect();
    const types = () => changes.map((c) => c.type);
    m.observe(finding(), T0, on);
    m.observe(finding({ seriesKey: 'log:b' }), T0, on);
    expect(m.observe(finding({ status: 'resolved', at: T0 + 5 }), T0 + 5, on)).toBe('updated');
    expect(m.openIncidents()).toHaveLength(1);
    expect(m.observe(finding({ seriesKey: 'log:b', status: 'resolved', at: T0 + 6 }), T0 + 6, on)).toBe('resolved');
    expect(m.openIncidents()).toHaveLength(0);
    const rec = m.get('svc')!;
    expect(rec.incident).toMatchObject({ status: 'resolved', resolution: 'detector', resolvedAt: T0 + 6 });
    expect(rec.events.map((e) => e.type)).toEqual(['opened', 'resolved']);
    expect(m.observe(finding({ at: T0 + 100 }), T0 + 100, on)).toBe('reopened');
    expect(m.get('svc')!.incident.epoch).toBe(2);
    expect(m.get('svc')!.events.map((e) => `${e.type}@${e.epoch}`)).toEqual(['opened@1', 'resolved@1', 'opened@2']);
    expect(types()).toEqual(['created', 'opened', 'resolved', 'reopened', 'opened']);
  });

  it('ignores a resolution for a component that is not firing', () => {
    const m = new IncidentManager();
    expect(m.observe(finding({ status: 'resolved' }), T0)).toBe('ignored');
    m.observe(finding(), T0);
    expect(m.observe(finding({ seriesKey: 'log:x', status: 'resolved' }), T0)).toBe('ignored');
  });

  it('resolves a quiet incident after resolveAfterMs', () => {
    const m = new IncidentManager({ resolveAfterMs: 60_000 });
    m.observe(finding(), T0);
    m.tick(T0 + 59_999);
    expect(m.openIncidents()).toHaveLength(1);
    m.tick(T0 + 60_000);
    expect(m.openIncidents()).toHaveLength(0);
  });

  it('ignores replayed findings at or before the high-water mark, even after resolution', () => {
    const m = new IncidentManager();
    m.observe(finding({ at: T0 + 10 }), T0);
    expect(m.observe(finding({ at: T0 + 10 }), T0)).toBe('duplicate');
    expect(m.observe(finding({ at: T0 + 5 }), T0)).toBe('duplicate');
    m.observe(finding({ status: 'resolved', at: T0 + 20 }), T0 + 20);
    expect(m.observe(finding({ at: T0 + 10 }), T0 + 30)).toBe('duplicate');
    expect(m.openIncidents()).toHaveLength(0);
    expect(m.observe(finding({ at: T0 + 30 }), T0 + 30)).toBe('reopened');
  });

  it('closes an incident resolved inside its group wait without telling anyone', () => {
    const m = new IncidentManager({ groupWaitMs: 30_000 });
    m.observe(finding(), T0);
    m.observe(finding({ status: 'resolved', at: T0 + 1 }), T0 + 1);
    const rec = m.get(m.fingerprintOf(finding()))!;
    expect(rec.incident.status).toBe('resolved');
    expect(rec.events).toHaveLength(0);
  });

  it('silences matching incidents while the silence lasts, then announces them if still open', () => {
    const m = new IncidentManager({
      silences: [{ id: 's1', matchers: [{ label: 'service', value: 'checkout' }], startsAt: T0, endsAt: T0 + 60_000 }],
    });
    m.observe(finding(), T0);
    m.observe(finding({ labels: { service: 'cart' }, seriesKey: 'log:cart' }), T0);
    const checkout = m.get(m.fingerprintOf(finding()))!;
    expect(checkout.events).toHaveLength(0);
    expect(checkout.suppressed).toEqual({ by: 'silence', id: 's1' });
    const cart = m.get(m.fingerprintOf(finding({ seriesKey: 'log:cart' })))!;
    expect(cart.events.map((e) => e.type)).toEqual(['opened']);
    m.observe(finding({ at: T0 + 59_000 }), T0 + 59_000);
    m.tick(T0 + 60_000);
    expect(checkout.events.map((e) => e.type)).toEqual(['opened']);
    expect(checkout.suppressed).toBeUndefined();
  });

  it('inhibits a lesser incident on the same service while a bigger one is open', () => {
    const m = new IncidentManager({
      inhibitRules: [
        {
          source: [{ label: 'kind', value: 'alarm' }],
          target: [{ label: 'kind', op: '!=', value: 'alarm' }],
          equal: ['service'],
        },
      ],
    });
    m.observe(
      finding({ detector: 'alarms', kind: 'alarm', seriesKey: 'alarm:checkout-5xx', severity: 'critical' }),
      T0,
    );
    m.observe(finding({ severity: 'medium' }), T0);
    m.observe(finding({ severity: 'medium', labels: { service: 'cart' }, seriesKey: 'log:cart' }), T0);
    const lesser = m.get(m.fingerprintOf(finding()))!;
    expect(lesser.events).toHaveLength(0);
    expect(lesser.suppressed?.by).toBe('inhibition');
    const other = m.get(m.fingerprintOf(finding({ seriesKey: 'log:cart' })))!;
    expect(other.events.map((e) => e.type)).toEqual(['opened']);
  });

  it('hands out dirty records as copies, with the findings applied since', () => {
    const m = new IncidentManager();
    m.observe(finding(), T0);
    const [d] = m.takeDirty();
    expect(d!.findings).toHaveLength(1);
    expect(m.takeDirty()).toHaveLength(0);
    m.observe(finding({ at: T0 + 1 }), T0 + 1);
    expect(d!.record.incident.counts.findings).toBe(1);
    expect(m.get(d!.fingerprint)!.incident.counts.findings).toBe(2);
  });

  it('rejects bad options with a ConfigError naming the field', () => {
    expect(() => new IncidentManager({ groupWaitMs: -1 })).toThrow(/groupWaitMs/);
  });
});

describe('matchers', () => {
  it('supports = != =~ !~ with full-string regular expressions', () => {
    const labels = { service: 'checkout', env: 'prod' };
    expect(matchesAll(labels, [{ label: 'service', value: 'checkout' }])).toBe(true);
    expect(matchesAll(labels, [{ label: 'service', op: '!=', value: 'checkout' }])).toBe(false);
    expect(matchesAll(labels, [{ label: 'service', op: '=~', value: 'check' }])).toBe(false);
    expect(matchesAll(labels, [{ label: 'service', op: '=~', value: 'check.*' }])).toBe(true);
    expect(matchesAll(labels, [{ label: 'env', op: '!~', value: 'dev|test' }])).toBe(true);
    expect(matchesAll(labels, [{ label: 'missing', value: '' }])).toBe(true);
  });

  it('exposes finding fields as labels', () => {
    const m = new IncidentManager();
    m.observe(finding(), T0);
    const labels = labelsFor(m.openIncidents()[0]!);
    expect(labels).toMatchObject({
      detector: 'error-rate',
      kind: 'error-rate-spike',
      service: 'checkout',
      severity: 'high',
    });
  });
});
