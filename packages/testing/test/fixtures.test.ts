import {
  ActionPlanSchema,
  ActionResultSchema,
  AlarmSignalSchema,
  AnalysisSchema,
  EventSignalSchema,
  FindingSchema,
  INCIDENT_EVENT_TYPES,
  IncidentEventSchema,
  IncidentSchema,
  LogSignalSchema,
  MetricSignalSchema,
  RunbookSummarySchema,
} from '@aiops/core';
import {
  FIXTURE_NOW,
  makeActionPlan,
  makeActionResult,
  makeAlarmSignal,
  makeAnalysis,
  makeEventSignal,
  makeFinding,
  makeIncident,
  makeIncidentEvent,
  makeLogSignal,
  makeMetricSignal,
  makeRunbookSummary,
  staticCatalog,
} from '@aiops/testing';
import { describe, expect, it } from 'vitest';

describe('fixtures', () => {
  it('build signals that pass their schemas', () => {
    expect(LogSignalSchema.safeParse(makeLogSignal()).success).toBe(true);
    expect(MetricSignalSchema.safeParse(makeMetricSignal()).success).toBe(true);
    expect(AlarmSignalSchema.safeParse(makeAlarmSignal()).success).toBe(true);
    expect(EventSignalSchema.safeParse(makeEventSignal()).success).toBe(true);
  });

  it('build findings, incidents, analyses, plans and runbooks that pass their schemas', () => {
    expect(FindingSchema.safeParse(makeFinding()).success).toBe(true);
    expect(IncidentSchema.safeParse(makeIncident()).success).toBe(true);
    expect(IncidentSchema.safeParse(makeIncident({ status: 'resolved' })).success).toBe(true);
    expect(AnalysisSchema.safeParse(makeAnalysis()).success).toBe(true);
    expect(AnalysisSchema.safeParse(makeAnalysis({ proposedAction: null })).success).toBe(true);
    expect(ActionPlanSchema.safeParse(makeActionPlan()).success).toBe(true);
    expect(RunbookSummarySchema.safeParse(makeRunbookSummary()).success).toBe(true);
  });

  it.each(['succeeded', 'failed', 'timed-out', 'cancelled', 'skipped', 'awaiting-approval'] as const)(
    'build a valid %s action result',
    (status) => {
      const result = makeActionResult({ status });
      expect(result.status).toBe(status);
      expect(ActionResultSchema.parse(result)).toEqual(result);
    },
  );

  it.each(INCIDENT_EVENT_TYPES)('build a valid %s event with the conventional id', (type) => {
    const event = makeIncidentEvent(type);
    expect(IncidentEventSchema.parse(event)).toEqual(event);
    expect(event.type).toBe(type);
    expect(event.id).toMatch(new RegExp(`^a1b2c3d4e5f60718:1:\\d+:${type.replace('.', '\\.')}$`));
  });

  it('give each event type its own id and a resolved incident to incident.resolved', () => {
    const events = INCIDENT_EVENT_TYPES.map((type) => makeIncidentEvent(type));
    expect(new Set(events.map((e) => e.id)).size).toBe(INCIDENT_EVENT_TYPES.length);
    expect(makeIncidentEvent('incident.resolved').incident.status).toBe('resolved');
    expect(makeIncidentEvent('incident.opened').incident.status).toBe('open');
    expect(makeIncidentEvent('action.failed').result.status).toBe('failed');
    expect(makeIncidentEvent('action.awaiting-approval').result.status).toBe('awaiting-approval');
  });

  it('apply overrides, and derive dependent fields from them', () => {
    expect(makeLogSignal({ message: 'hello', timestamp: 5 })).toMatchObject({ message: 'hello', timestamp: 5 });
    const incident = makeIncident({ fingerprint: 'ffff000011112222', epoch: 3 });
    const event = makeIncidentEvent('incident.analyzed', { incident });
    expect(event.id).toBe('ffff000011112222:3:3:incident.analyzed');
    expect(event.analysis.incident).toEqual({ fingerprint: 'ffff000011112222', epoch: 3 });
    expect(IncidentEventSchema.safeParse(event).success).toBe(true);
    expect(makeActionPlan({ runbookId: 'scale-out' }).id).toBe('a1b2c3d4e5f60718:1:scale-out');
    const findings = [makeFinding(), makeFinding({ seriesKey: 'log:cart' }), makeFinding()];
    expect(makeIncident({ findings }).counts).toEqual({ findings: 3, series: 2 });
    expect(makeIncident({ status: 'resolved' })).toMatchObject({
      resolution: 'detector',
      resolvedAt: FIXTURE_NOW + 300_000,
    });
  });

  it('leave invalid overrides alone, so tests can build invalid data on purpose', () => {
    expect(FindingSchema.safeParse(makeFinding({ score: 2 })).success).toBe(false);
  });

  it('serve a static catalog by id', () => {
    const scale = makeRunbookSummary({ id: 'scale-out', title: 'Scale out' });
    const catalog = staticCatalog([makeRunbookSummary(), scale]);
    expect(catalog.list().map((r) => r.id)).toEqual(['restart-service', 'scale-out']);
    expect(catalog.get('scale-out')).toBe(scale);
    expect(catalog.get('rm-rf')).toBeUndefined();
    expect(staticCatalog().list()).toHaveLength(1);
  });
});
