import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PagerDutyEvent } from './pagerduty-notifier.js';

/** An alert as the fake PagerDuty keeps it: one per dedup key, with the events it received. */
export interface FakeAlert {
  readonly dedupKey: string;
  status: 'triggered' | 'resolved';
  summary: string;
  severity: string;
  /** Incidents PagerDuty opened for this key: a trigger after a resolve opens a new one. */
  incidents: number;
  readonly log: PagerDutyEvent[];
}

/**
 * A local HTTP server that speaks the PagerDuty Events API v2 (`POST /v2/enqueue`): it checks events
 * as PagerDuty does (400 `invalid event` with the reasons), answers 202 with the dedup key, keeps
 * one alert per dedup key, and can be told to fail (500, or 429 with `Retry-After`).
 */
export interface FakePagerDuty {
  /** The enqueue URL to give the notifier. */
  readonly url: string;
  /** Every request that reached the server, accepted or not. */
  readonly requests: PagerDutyEvent[];
  /** Events answered 202. */
  readonly accepted: PagerDutyEvent[];
  readonly alerts: Map<string, FakeAlert>;
  /** Answers the next `times` requests with `status` (500 or 429). */
  fail(status: 429 | 500 | 503, times?: number): void;
  close(): Promise<void>;
}

const ACTIONS = ['trigger', 'acknowledge', 'resolve'];
const SEVERITIES = ['critical', 'error', 'warning', 'info'];

/** What PagerDuty would say is wrong with an event; empty when it is valid. */
export function pagerDutyProblems(body: unknown): string[] {
  const e = body as Partial<PagerDutyEvent> | null;
  if (typeof e !== 'object' || e === null) return ['Event object is not a JSON object'];
  const out: string[] = [];
  if (typeof e.routing_key !== 'string' || e.routing_key.length !== 32) out.push("'routing_key' must be 32 characters");
  if (!ACTIONS.includes(String(e.event_action))) out.push("'event_action' is invalid");
  if (e.dedup_key !== undefined && (typeof e.dedup_key !== 'string' || e.dedup_key.length > 255)) {
    out.push("'dedup_key' must be a string of at most 255 characters");
  }
  if (e.event_action !== 'trigger' && !e.dedup_key) out.push("'dedup_key' is required for acknowledge and resolve");
  if (e.event_action === 'trigger') {
    const p = e.payload;
    if (!p) out.push("'payload' is missing");
    else {
      if (typeof p.summary !== 'string' || p.summary.length === 0) out.push("'payload.summary' is missing");
      else if (p.summary.length > 1024) out.push("'payload.summary' is longer than 1024 characters");
      if (typeof p.source !== 'string' || p.source.length === 0) out.push("'payload.source' is missing");
      if (!SEVERITIES.includes(String(p.severity))) out.push("'payload.severity' is invalid");
      if (p.timestamp !== undefined && Number.isNaN(Date.parse(p.timestamp)))
        out.push("'payload.timestamp' is invalid");
    }
  }
  return out;
}

export async function startFakePagerDuty(): Promise<FakePagerDuty> {
  const requests: PagerDutyEvent[] = [];
  const accepted: PagerDutyEvent[] = [];
  const alerts = new Map<string, FakeAlert>();
  const failures: number[] = [];
  let keys = 0;

  const reply = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  const handle = (req: IncomingMessage, res: ServerResponse, text: string) => {
    if (req.method !== 'POST' || req.url !== '/v2/enqueue') return reply(res, 404, { status: 'not found' });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return reply(res, 400, { status: 'invalid event', message: 'Event object is invalid', errors: ['Invalid JSON'] });
    }
    requests.push(body as PagerDutyEvent);
    const failure = failures.shift();
    if (failure === 429)
      return reply(
        res,
        429,
        { status: 'throttle event', message: 'Requests for this service are arriving too quickly.' },
        { 'retry-after': '1' },
      );
    if (failure) return reply(res, failure, { status: 'error', message: 'internal error' });
    const problems = pagerDutyProblems(body);
    if (problems.length > 0) {
      return reply(res, 400, { status: 'invalid event', message: 'Event object is invalid', errors: problems });
    }
    const event = body as PagerDutyEvent;
    const dedupKey = event.dedup_key || `generated-${++keys}`;
    let alert = alerts.get(dedupKey);
    if (event.event_action === 'trigger') {
      const p = event.payload!;
      if (!alert) {
        alert = { dedupKey, status: 'triggered', summary: p.summary, severity: p.severity, incidents: 1, log: [] };
        alerts.set(dedupKey, alert);
      } else {
        if (alert.status === 'resolved') alert.incidents++;
        alert.status = 'triggered';
        alert.summary = p.summary;
        alert.severity = p.severity;
      }
    } else if (alert && event.event_action === 'resolve') {
      alert.status = 'resolved';
    }
    alert?.log.push(event);
    accepted.push(event);
    reply(res, 202, { status: 'success', message: 'Event processed', dedup_key: dedupKey });
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v2/enqueue`,
    requests,
    accepted,
    alerts,
    fail(status, times = 1) {
      for (let i = 0; i < times; i++) failures.push(status);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
