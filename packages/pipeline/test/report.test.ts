import { makeIncident, makeIncidentEvent } from '@aiops/testing';
import { describe, expect, it } from 'vitest';
import { type IncidentReportInput, renderIncidentReport, reportIncidentsFromEvents } from '../src/index.js';

const T0 = Date.parse('2026-11-24T10:00:00Z');
const HOSTILE = '<script>alert("pwned")</script><img src=x onerror=alert(1)>';

function input(overrides: Partial<IncidentReportInput> = {}): IncidentReportInput {
  return {
    title: 'checkout error spike',
    bucketMs: 500,
    series: Array.from({ length: 40 }, (_, i) => ({
      t: T0 + i * 500,
      requests: i === 25 ? 0 : 20,
      errors: i >= 10 && i < 20 ? 16 : 0,
    })),
    marks: [
      { at: T0 + 5_000, label: 'fault injected', kind: 'fault' },
      { at: T0 + 5_600, label: 'incident opened', kind: 'detection' },
      { at: T0 + 6_100, label: 'restart-service started', kind: 'action' },
      { at: T0 + 10_400, label: 'incident resolved', kind: 'recovery' },
    ],
    incidents: [
      {
        title: 'checkout error rate 80%',
        severity: 'high',
        status: 'resolved',
        labels: { service: 'checkout' },
        openedAt: T0 + 5_600,
        resolvedAt: T0 + 10_400,
        timeline: [
          { at: T0 + 5_600, label: 'incident.opened' },
          { at: T0 + 10_400, label: 'incident.resolved', detail: 'after 4.8 s' },
        ],
        analysis: {
          analyzer: 'offline',
          summary: 'checkout fails 80% of requests',
          probableCause: 'connection pool exhausted',
          confidence: 0.74,
          proposedAction: { runbookId: 'restart-service', parameters: { service: 'checkout' }, rationale: 'pool' },
        },
      },
    ],
    facts: { 'detected after': '600 ms' },
    generatedAt: T0 + 20_000,
    ...overrides,
  };
}

describe('renderIncidentReport', () => {
  it('draws the chart, the marks, the incidents and their analyses in one self-contained page', () => {
    const html = renderIncidentReport(input());
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
    // One request-rate line, and the error-rate line broken by the empty bucket into two segments.
    expect(html.match(/class="rate-line" points=/g)).toHaveLength(1);
    expect(html.match(/class="err-line" points=/g)).toHaveLength(2);
    for (const label of ['fault injected', 'incident opened', 'restart-service started', 'incident resolved']) {
      expect(html).toContain(`>${label}</text>`);
    }
    expect(html.match(/<g class="mark mark-/g)).toHaveLength(4);
    expect(html).toContain('connection pool exhausted');
    expect(html).toContain('<code>restart-service</code>');
    expect(html).toContain('+5.60 s');
    expect(html).toContain('detected after');
    expect(html).toContain('780 requests, 160 errors, in buckets of 500 ms.');
    // Self-contained: no scripts, no external resources.
    expect(html).not.toMatch(/<script|src="http|href="http/i);
  });

  it('escapes hostile text from logs, findings and models everywhere it appears', () => {
    const html = renderIncidentReport(
      input({
        title: HOSTILE,
        subtitle: HOSTILE,
        marks: [{ at: T0 + 1_000, label: HOSTILE, kind: 'fault' }],
        facts: { [HOSTILE]: HOSTILE },
        incidents: [
          {
            title: HOSTILE,
            severity: HOSTILE,
            labels: { [HOSTILE]: HOSTILE },
            openedAt: T0,
            timeline: [{ at: T0, label: HOSTILE, detail: `log line: ${HOSTILE}` }],
            analysis: {
              summary: HOSTILE,
              probableCause: HOSTILE,
              analyzer: HOSTILE,
              proposedAction: { runbookId: HOSTILE, parameters: { service: HOSTILE }, rationale: HOSTILE },
            },
          },
        ],
      }),
    );
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;');
    // The only tags are the renderer's own.
    const tags = new Set([...html.matchAll(/<([a-z][a-z0-9]*)\b/gi)].map((m) => m[1]!.toLowerCase()));
    expect([...tags].sort()).toEqual(
      [
        'body',
        'code',
        'footer',
        'g',
        'h1',
        'h2',
        'h3',
        'head',
        'html',
        'line',
        'meta',
        'p',
        'polygon',
        'polyline',
        'pre',
        'rect',
        'section',
        'span',
        'style',
        'svg',
        'table',
        'td',
        'text',
        'th',
        'title',
        'tr',
      ].sort(),
    );
  });

  it('names what the series counts, for a log replay as for a service (escaped too)', () => {
    const service = renderIncidentReport(input());
    expect(service).toContain('>requests/s</text>');
    expect(service).toContain('error rate (errors / requests)');
    const replay = renderIncidentReport(input({ seriesLabels: { count: 'log lines', errors: '<b>error</b> lines' } }));
    expect(replay).toContain('>log lines/s</text>');
    expect(replay).toContain('error rate (&lt;b&gt;error&lt;/b&gt; lines / log lines)');
    expect(replay).toContain('780 log lines, 160 &lt;b&gt;error&lt;/b&gt; lines, in buckets of 500 ms.');
    expect(replay).not.toMatch(/requests\/s|\/ requests/);
  });

  it('handles an empty series and refuses a bucket width that is not positive', () => {
    const html = renderIncidentReport(input({ series: [], marks: [], incidents: [] }));
    expect(html).toContain('<svg');
    expect(html).toContain('No incident.');
    expect(html).not.toContain('NaN');
    expect(() => renderIncidentReport(input({ bucketMs: 0 }))).toThrow(/bucketMs must be a positive number/);
  });
});

describe('reportIncidentsFromEvents', () => {
  it('groups events by incident epoch, keeps the latest state and the analysis, and words each step', () => {
    const incident = makeIncident({ title: 'checkout error rate 80%' });
    const opened = { ...makeIncidentEvent('incident.opened', { incident }), at: T0 };
    const analyzed = { ...makeIncidentEvent('incident.analyzed', { incident }), at: T0 + 100 };
    const resolved = {
      ...makeIncidentEvent('incident.resolved', {
        incident: { ...incident, status: 'resolved', resolvedAt: T0 + 5_000 },
      }),
      at: T0 + 5_000,
    };
    const other = {
      ...makeIncidentEvent('incident.opened', { incident: { ...incident, epoch: incident.epoch + 1 } }),
      at: T0 + 9_000,
    };
    const [first, second, ...rest] = reportIncidentsFromEvents([resolved, other, analyzed, opened]);
    expect(rest).toEqual([]);
    expect(first).toMatchObject({ title: 'checkout error rate 80%', status: 'resolved', resolvedAt: T0 + 5_000 });
    expect(first!.timeline.map((e) => e.label)).toEqual([
      'incident.opened: opened',
      expect.stringMatching(/^incident\.analyzed: /),
      'incident.resolved: resolved',
    ]);
    expect(first!.analysis?.summary).toBe(analyzed.type === 'incident.analyzed' ? analyzed.analysis.summary : '');
    expect(second).toMatchObject({ status: 'open' });
    expect(second!.analysis).toBeUndefined();
  });
});
