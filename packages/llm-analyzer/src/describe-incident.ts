import type { Incident } from '@aiops/core';
import type { IncidentFacts } from './incident-facts.js';
import { terms } from './terms.js';

const PHRASES: Readonly<Record<string, string>> = {
  disk: 'disk space running out',
  memory: 'memory pressure (a leak or out-of-memory kills)',
  cpu: 'CPU saturation',
  throttle: 'throttling by a downstream API',
  connection: 'failing connections or an exhausted connection pool',
  timeout: 'timeouts and rising latency',
  unavailable: 'a dependency or the service answering 5xx',
  deploy: 'a recent deployment',
  cache: 'cache trouble',
  restart: 'a crashed or hung process',
  scale: 'saturated capacity',
  instance: 'an unhealthy host',
  database: 'database trouble',
};

/**
 * A plain-language description of an incident, written without a model: a one-paragraph summary,
 * the themes its evidence points to, and the findings to cite.
 *
 * @example
 * ```ts
 * import { describeIncident, incidentFacts } from '@aiops/llm-analyzer';
 * import { makeIncident } from '@aiops/testing';
 * const incident = makeIncident();
 * describeIncident(incident, incidentFacts(incident)).evidence; // ['finding:0']
 * ```
 */
export function describeIncident(
  incident: Incident,
  facts: IncidentFacts,
): { summary: string; cause: string; evidence: string[] } {
  const order = incident.findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => Number(b.f.status === 'firing') - Number(a.f.status === 'firing') || b.f.score - a.f.score);
  const parts = order.slice(0, 3).map(({ f }) => {
    const what = f.title ?? `${f.kind} on ${f.seriesKey}`;
    return `${what} (${f.kind}, ${f.status}, score ${f.score.toFixed(2)})`;
  });
  const more = incident.findings.length > 3 ? `, and ${incident.findings.length - 3} more` : '';
  const alarms = [...facts.alarmNames].slice(0, 3);
  const head = incident.title || `incident ${incident.fingerprint}`;
  const summary = clip(
    `${head}. ${incident.counts.findings} finding${incident.counts.findings === 1 ? '' : 's'} on ${incident.counts.series} series: ${parts.join('; ') || 'none'}${more}.` +
      (alarms.length > 0 ? ` Alarms: ${alarms.join(', ')}.` : ''),
    1_000,
  );
  const counts = new Map<string, number>();
  for (const t of terms([...facts.kinds, ...facts.metricNames, ...facts.alarmNames, ...facts.texts].join(' '))) {
    if (PHRASES[t]) counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  const themes = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 2)
    .map(([t]) => PHRASES[t]!);
  const where = [...facts.services].slice(0, 2).join(', ');
  const cause =
    themes.length > 0
      ? `The evidence points to ${themes.join(' and ')}${where ? ` on ${where}` : ''}.`
      : `The evidence does not name a clear cause${where ? ` for ${where}` : ''}.`;
  return { summary, cause, evidence: order.slice(0, 10).map(({ i }) => `finding:${i}`) };
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
