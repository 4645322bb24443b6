import {
  AiopsError,
  type Incident,
  type IncidentEvent,
  type Notifier,
  parseOptions,
  SEVERITY_ORDER,
  type Severity,
  SeveritySchema,
  type StepContext,
  stableHash,
} from '@aiops/core';
import { z } from 'zod';

/** The severities of the PagerDuty Events API v2. */
export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

/** One event of the PagerDuty Events API v2, as POSTed to `/v2/enqueue`. */
export interface PagerDutyEvent {
  readonly routing_key: string;
  readonly event_action: 'trigger' | 'acknowledge' | 'resolve';
  readonly dedup_key: string;
  readonly client?: string;
  readonly client_url?: string;
  readonly links?: readonly { readonly href: string; readonly text: string }[];
  /** Required for `trigger`; PagerDuty ignores it on `resolve`. */
  readonly payload?: {
    readonly summary: string;
    readonly source: string;
    readonly severity: PagerDutySeverity;
    readonly timestamp?: string;
    readonly component?: string;
    readonly group?: string;
    readonly class?: string;
    readonly custom_details?: Record<string, unknown>;
  };
}

const OptionsSchema = z.object({
  name: z.string().min(1).default('pagerduty'),
  /** The integration key of an "Events API v2" integration on a PagerDuty service. */
  routingKey: z
    .string()
    .regex(/^[A-Za-z0-9]{32}$/, 'must be the 32-character integration key of an Events API v2 integration'),
  url: z.url().default('https://events.pagerduty.com/v2/enqueue'),
  /** Incidents below this severity do not page. */
  minSeverity: SeveritySchema.default('high'),
  /** `payload.source`: where the problem is, when the incident's labels do not say (no `service` label). */
  source: z.string().min(1).default('aiops'),
  /** `client` and `client_url`: shown in PagerDuty as the monitoring tool that sent the alert. */
  client: z.string().min(1).default('aiops'),
  clientUrl: z.url().optional(),
  /** A link to show on the alert (a dashboard, the runbook, the Slack channel). */
  link: z
    .custom<(incident: Incident) => { href: string; text: string } | undefined>((v) => typeof v === 'function')
    .optional(),
  /** Longest wait for one request. */
  timeoutMs: z.number().int().positive().default(10_000),
});

/** Options of {@link createPagerDutyNotifier}; only `routingKey` is required. */
export type PagerDutyNotifierOptions = z.input<typeof OptionsSchema>;

/** Our five severities onto PagerDuty's four. */
export const PAGERDUTY_SEVERITY: Readonly<Record<Severity, PagerDutySeverity>> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
  info: 'info',
};

const TRIGGERS = new Set<IncidentEvent['type']>([
  'incident.opened',
  'incident.updated',
  'incident.analyzed',
  'incident.escalated',
]);

/**
 * The PagerDuty dedup key of one incident epoch: the same for every event of the epoch (so they land
 * on one alert), a new one when the incident recurs. At most 255 characters, as PagerDuty requires.
 */
export function dedupKeyOf(incident: Pick<Incident, 'fingerprint' | 'epoch'>): string {
  const key = `aiops/${incident.fingerprint}/${incident.epoch}`;
  return key.length <= 255 ? key : `aiops/${stableHash(incident.fingerprint)}/${incident.epoch}`;
}

const atLeast = (severity: Severity, min: Severity): boolean =>
  SEVERITY_ORDER.indexOf(severity) >= SEVERITY_ORDER.indexOf(min);

/** Only the first 1024 characters of a summary are kept by PagerDuty: cut it ourselves, visibly. */
const summaryOf = (text: string): string => (text.length <= 1024 ? text : `${text.slice(0, 1023)}…`);

/**
 * A notifier that pages through the PagerDuty Events API v2: one PagerDuty alert per incident epoch
 * (the dedup key), triggered when the incident opens, brought up to date when it changes, is analysed
 * or escalates, and resolved with it. Incidents below `minSeverity` do not page; the action events
 * (started, succeeded...) are left to Slack.
 *
 * Idempotent: an event is sent once per `ctx.idempotencyKey` (the pipeline's key for this event and
 * this notifier). The key is recorded in the store after PagerDuty accepted the event, so a crash in
 * between sends it again, which the dedup key makes harmless: PagerDuty merges a trigger into the open
 * alert with the same key.
 *
 * Failures are `AiopsError`s: 429 and 5xx and network errors are retryable (the pipeline retries with
 * backoff), a 400 is not (PagerDuty's reasons are in the message).
 */
export function createPagerDutyNotifier(options: PagerDutyNotifierOptions): Notifier {
  const o = parseOptions(OptionsSchema, options, 'createPagerDutyNotifier');

  function eventFor(event: IncidentEvent): PagerDutyEvent {
    const { incident } = event;
    const dedup_key = dedupKeyOf(incident);
    const common = { routing_key: o.routingKey, dedup_key, client: o.client };
    const client = o.clientUrl ? { ...common, client_url: o.clientUrl } : common;
    if (event.type === 'incident.resolved') return { ...client, event_action: 'resolve' };
    const link = o.link?.(incident);
    const details: Record<string, unknown> = {
      fingerprint: incident.fingerprint,
      epoch: incident.epoch,
      status: incident.status,
      labels: incident.labels,
      findings: incident.counts.findings,
      series: incident.counts.series,
      event: event.type,
    };
    if (event.type === 'incident.analyzed') {
      details.analysis = event.analysis.summary;
      details.probableCause = event.analysis.probableCause;
      if (event.analysis.proposedAction) details.proposedRunbook = event.analysis.proposedAction.runbookId;
    }
    if (event.type === 'incident.escalated') details.escalation = event.reason;
    const first = incident.findings[0];
    return {
      ...client,
      event_action: 'trigger',
      ...(link ? { links: [link] } : {}),
      payload: {
        summary: summaryOf(event.type === 'incident.escalated' ? `Escalated: ${incident.title}` : incident.title),
        source: incident.labels.service ?? o.source,
        // An escalation means the automation did not fix it: page at least as an error.
        severity:
          PAGERDUTY_SEVERITY[
            event.type === 'incident.escalated' && !atLeast(incident.severity, 'high') ? 'high' : incident.severity
          ],
        timestamp: new Date(incident.openedAt).toISOString(),
        ...(first ? { component: first.seriesKey, class: first.kind } : {}),
        ...(incident.labels.team ? { group: incident.labels.team } : {}),
        custom_details: details,
      },
    };
  }

  async function send(body: PagerDutyEvent, ctx: StepContext): Promise<void> {
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(o.timeoutMs)]);
    let res: Response;
    try {
      res = await fetch(o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal,
      });
    } catch (err) {
      if (ctx.signal.aborted)
        throw new AiopsError('ABORTED', 'PagerDuty request aborted: the pipeline is stopping', { cause: err });
      throw new AiopsError('UNAVAILABLE', `PagerDuty did not answer (${o.url})`, { cause: err, retryable: true });
    }
    const text = await res.text();
    if (res.status === 202) return;
    const reason = describeRejection(text);
    if (res.status === 429) {
      const retryAfterMs = Number(res.headers.get('retry-after')) * 1_000 || 30_000;
      throw new AiopsError('UNAVAILABLE', `PagerDuty rate limit (429)${reason}`, { retryable: true, retryAfterMs });
    }
    if (res.status >= 500)
      throw new AiopsError('UNAVAILABLE', `PagerDuty answered ${res.status}${reason}`, { retryable: true });
    throw new AiopsError(
      'VALIDATION_FAILED',
      `PagerDuty refused the ${body.event_action} event (${res.status})${reason}`,
    );
  }

  return {
    name: o.name,
    accepts: (event) => {
      if (event.type === 'incident.updated' && event.reminder) return false; // PagerDuty re-notifies on its own
      if (!TRIGGERS.has(event.type) && event.type !== 'incident.resolved') return false;
      return atLeast(event.incident.severity, o.minSeverity);
    },
    async notify(event, ctx) {
      const sentKey = `${o.name}/sent/${ctx.idempotencyKey}`;
      if (await ctx.store.get(sentKey)) return; // delivered before a retry or a restart
      await send(eventFor(event), ctx);
      await ctx.store.put(
        sentKey,
        { at: ctx.clock.now(), dedupKey: dedupKeyOf(event.incident) },
        {
          // The pipeline keeps its own record of delivered events; this one only has to outlive retries.
          expiresAt: ctx.clock.now() + 7 * 24 * 3_600_000,
        },
      );
    },
  };
}

/** PagerDuty's reasons from an error body (`{"status":"invalid event","errors":[...]}`), for the message. */
function describeRejection(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; errors?: unknown };
    const errors = Array.isArray(body.errors) ? body.errors.map(String) : [];
    const parts = [typeof body.message === 'string' ? body.message : undefined, ...errors].filter(Boolean);
    return parts.length > 0 ? `: ${parts.join('; ')}` : '';
  } catch {
    return text ? `: ${text.slice(0, 200)}` : '';
  }
}
