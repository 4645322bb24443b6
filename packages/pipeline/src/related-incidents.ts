import { type Incident, listAll, type StateStore } from '@aiops/core';
import type { IncidentRecord } from './incident-manager.js';

/** Incidents opened this close in time to one another are shown to the analyzer together. */
const NEAR_MS = 15 * 60_000;
const MAX_RELATED = 10;

/**
 * Other incidents an analyzer should see beside `incident`: open, or resolved shortly before it
 * opened, and either on the same service or opened within fifteen minutes of it. A deployment
 * event, an alarm and an error-rate spike often land in three incidents; seen together they explain
 * each other. Newest first, at most ten.
 */
export async function relatedIncidents(store: StateStore, incident: Incident): Promise<Incident[]> {
  const service = incident.labels.service;
  const out: Incident[] = [];
  for (const { value } of await listAll<IncidentRecord>(store, 'incident/')) {
    const other = value.incident;
    if (other.fingerprint === incident.fingerprint) continue;
    const live = other.status === 'open' || (other.resolvedAt ?? 0) >= incident.openedAt - NEAR_MS;
    if (!live) continue;
    const sameService = service !== undefined && other.labels.service === service;
    const near = Math.abs(other.openedAt - incident.openedAt) <= NEAR_MS;
    if (sameService || near) out.push(other);
  }
  return out.sort((a, b) => b.openedAt - a.openedAt).slice(0, MAX_RELATED);
}
