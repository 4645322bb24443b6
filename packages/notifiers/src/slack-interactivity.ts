import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type ApprovalApi,
  type ApprovalOutcome,
  type Clock,
  describeError,
  type Logger,
  parseOptions,
  silentLogger,
  systemClock,
} from '@aiops/core';
import { z } from 'zod';
import { SignatureError } from './errors.js';
import { fn, LoggerSchema } from './options.js';
import { type ReplayGuard, storeReplayGuard } from './replay-guard.js';
import { escapeSlack, SLACK_APPROVE_ACTION, SLACK_REJECT_ACTION, type SlackBlock } from './slack-blocks.js';
import { type HeaderSource, verifySlackRequest } from './slack-signature.js';

/**
 * The Slack user who pressed a button.
 *
 * @example
 * ```ts
 * import type { SlackUser } from '@aiops/notifiers';
 * const oncall = new Set(['U024BE7LH']);
 * const mayApprove = (user: SlackUser) => oncall.has(user.id);
 * ```
 */
export interface SlackUser {
  readonly id: string;
  readonly name?: string;
  readonly teamId?: string;
}

/**
 * What one interaction did.
 *
 * @example
 * ```ts
 * import type { SlackInteractionOutcome } from '@aiops/notifiers';
 * const audit = (o: SlackInteractionOutcome) => (o.kind === 'decided' ? `${o.by} ${o.decision}d ${o.approvalId}` : o.kind);
 * ```
 */
export type SlackInteractionOutcome =
  | {
      readonly kind: 'decided';
      readonly decision: 'approve' | 'reject';
      readonly approvalId: string;
      readonly by: string;
      readonly result: ApprovalOutcome;
    }
  | { readonly kind: 'forbidden'; readonly approvalId: string; readonly user: SlackUser }
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'refused'; readonly error: SignatureError }
  | { readonly kind: 'bad-request'; readonly reason: string };

/**
 * The HTTP answer to give Slack, and what happened.
 *
 * @example
 * ```ts
 * import type { SlackInteractionResult } from '@aiops/notifiers';
 * const toLambda = (r: SlackInteractionResult) => ({ statusCode: r.status, headers: r.headers, body: r.body });
 * ```
 */
export interface SlackInteractionResult {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly outcome: SlackInteractionOutcome;
}

const OptionsSchema = z.object({
  signingSecret: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  approvals: z.custom<ApprovalApi>(
    (v) => typeof (v as ApprovalApi | null)?.approve === 'function' && typeof (v as ApprovalApi).reject === 'function',
    'expected an ApprovalApi (approve and reject)',
  ),
  /** Replay protection; defaults to one in memory. Share one store between instances behind a load balancer. */
  replayGuard: z.custom<ReplayGuard>((v) => typeof (v as ReplayGuard | null)?.firstSeen === 'function').optional(),
  /** Who may decide: return `false` to refuse (the user is told so). Everyone in the workspace by default. */
  authorize:
    fn<
      (user: SlackUser, decision: 'approve' | 'reject', approvalId: string) => boolean | Promise<boolean>
    >().optional(),
  toleranceSec: z.number().int().positive().max(3_600).default(300),
  /** Replace the message with the buttons by the decision, through the payload's `response_url`. */
  respond: z.boolean().default(true),
  /** `response_url`s accepted; anything else is never fetched (a forged payload cannot make us call out). */
  responseUrlPrefixes: z.array(z.string().min(1)).default(['https://hooks.slack.com/']),
  maxBodyBytes: z
    .number()
    .int()
    .positive()
    .default(256 * 1_024),
  fetch: fn<typeof fetch>().optional(),
  clock: z.custom<Clock>((v) => typeof (v as Clock | null)?.now === 'function').optional(),
  logger: LoggerSchema.optional(),
});

/**
 * Options of {@link createSlackInteractionHandler}.
 *
 * @example
 * ```ts
 * import type { ApprovalApi } from '@aiops/core';
 * import type { SlackInteractionOptions } from '@aiops/notifiers';
 * declare const approvals: ApprovalApi;
 * const options: SlackInteractionOptions = { signingSecret: ['new-secret', 'old-secret'], approvals, authorize: (u) => u.id === 'U024BE7LH' };
 * ```
 */
export type SlackInteractionOptions = z.input<typeof OptionsSchema>;

/**
 * Handles Slack interactivity requests, see {@link createSlackInteractionHandler}.
 *
 * @example
 * ```ts
 * import type { ApprovalApi } from '@aiops/core';
 * import { createSlackInteractionHandler } from '@aiops/notifiers';
 * declare const approvals: ApprovalApi;
 * const slack = createSlackInteractionHandler({ signingSecret: '…', approvals });
 * // AWS Lambda behind a function URL:
 * export const handler = async (e: { body: string; headers: Record<string, string> }) => {
 *   const r = await slack.handle({ rawBody: e.body, headers: e.headers });
 *   return { statusCode: r.status, body: r.body };
 * };
 * ```
 */
export interface SlackInteractionHandler {
  /** The pure form: raw body and headers in, HTTP answer out. For Lambda, Fastify, Hono, anything. */
  handle(request: {
    readonly rawBody: string | Uint8Array;
    readonly headers: HeaderSource;
  }): Promise<SlackInteractionResult>;
  /** A Node `(req, res)` listener for `http.createServer`, Express (mounted before any body parser) or Connect. */
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void;
}

/**
 * Creates the request handler for the Slack app's Interactivity Request URL. Each request is
 * verified first (v0 HMAC-SHA256 signature in constant time, timestamp within 5 minutes, never seen
 * before), then an Approve or Reject button press is passed to the executor's {@link ApprovalApi},
 * and the message with the buttons is replaced by the decision. Slack gets its 200 within the call.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import type { ApprovalApi } from '@aiops/core';
 * import { createSlackInteractionHandler } from '@aiops/notifiers';
 * declare const approvals: ApprovalApi; // from the runbook executor
 * const slack = createSlackInteractionHandler({ signingSecret: process.env.SLACK_SIGNING_SECRET ?? '', approvals });
 * createServer(slack.listener).listen(3000);
 * ```
 */
export function createSlackInteractionHandler(options: SlackInteractionOptions): SlackInteractionHandler {
  const o = parseOptions(OptionsSchema, options, 'createSlackInteractionHandler');
  const logger: Logger = o.logger ?? silentLogger;
  const clock = o.clock ?? systemClock;
  const guard = o.replayGuard ?? storeReplayGuard();
  const doFetch = o.fetch ?? fetch;
  const answer = (status: number, outcome: SlackInteractionOutcome, body = ''): SlackInteractionResult => ({
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body,
    outcome,
  });

  async function respond(url: unknown, message: Record<string, unknown>): Promise<void> {
    if (!o.respond || typeof url !== 'string') return;
    if (!o.responseUrlPrefixes.some((p) => url.startsWith(p))) {
      logger.warn('slack: response_url outside the allowed prefixes, not called');
      return;
    }
    try {
      const res = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(2_500),
      });
      if (!res.ok) logger.warn('slack: response_url answered', { status: res.status });
    } catch (err) {
      logger.warn('slack: response_url failed', { error: describeError(err) });
    }
  }

  async function handle(request: { rawBody: string | Uint8Array; headers: HeaderSource }) {
    const now = clock.now();
    let signature: string;
    try {
      signature = verifySlackRequest({ ...request, signingSecret: o.signingSecret, now, toleranceSec: o.toleranceSec });
      if (!(await guard.firstSeen(signature, now + 2 * o.toleranceSec * 1_000))) {
        throw new SignatureError('replayed', 'this request was received before');
      }
    } catch (err) {
      if (!(err instanceof SignatureError)) throw err;
      logger.warn('slack: interaction refused', { reason: err.reason });
      return answer(401, { kind: 'refused', error: err }, 'invalid request signature');
    }
    const text = typeof request.rawBody === 'string' ? request.rawBody : Buffer.from(request.rawBody).toString('utf8');
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(new URLSearchParams(text).get('payload') ?? '') as Record<string, unknown>;
      if (typeof payload !== 'object' || payload === null) throw new Error('payload is not an object');
    } catch {
      return answer(400, { kind: 'bad-request', reason: 'no JSON payload field' }, 'expected a payload field');
    }
    if (payload.type !== 'block_actions')
      return answer(200, { kind: 'ignored', reason: `type ${String(payload.type)}` });
    const actions = Array.isArray(payload.actions) ? (payload.actions as Record<string, unknown>[]) : [];
    const action = actions.find((a) => a.action_id === SLACK_APPROVE_ACTION || a.action_id === SLACK_REJECT_ACTION);
    if (!action || typeof action.value !== 'string' || action.value === '') {
      return answer(200, { kind: 'ignored', reason: 'no aiops approval action' });
    }
    const rawUser = (payload.user ?? {}) as Record<string, unknown>;
    if (typeof rawUser.id !== 'string') return answer(400, { kind: 'bad-request', reason: 'no user id' }, 'no user');
    const user: SlackUser = {
      id: rawUser.id,
      ...(typeof (rawUser.username ?? rawUser.name) === 'string'
        ? { name: String(rawUser.username ?? rawUser.name) }
        : {}),
      ...(typeof rawUser.team_id === 'string' ? { teamId: rawUser.team_id } : {}),
    };
    const decision = action.action_id === SLACK_APPROVE_ACTION ? 'approve' : 'reject';
    const approvalId = action.value;
    const refuse = async (): Promise<SlackInteractionResult> => {
      logger.warn('slack: approval refused for user', { user: user.id, approvalId });
      // Only the presser hears of it, and the buttons stay for someone who may decide.
      await respond(payload.response_url, {
        response_type: 'ephemeral',
        replace_original: false,
        text: `You are not allowed to ${decision} this action.`,
      });
      return answer(200, { kind: 'forbidden', approvalId, user });
    };
    if (o.authorize && !(await o.authorize(user, decision, approvalId))) return refuse();
    const by = `slack:${user.id}${user.name ? ` (${user.name})` : ''}`;
    const result =
      decision === 'approve'
        ? await o.approvals.approve(approvalId, by)
        : await o.approvals.reject(approvalId, by, 'rejected in Slack');
    if (result.status === 'forbidden') return refuse();
    logger.info('slack: approval decided', { approvalId, decision, status: result.status });
    await respond(payload.response_url, decisionMessage(payload, decision, user, result));
    return answer(200, { kind: 'decided', decision, approvalId, by, result });
  }

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const send = (r: { status: number; headers: Record<string, string>; body: string }): void => {
      res.writeHead(r.status, r.headers).end(r.body);
    };
    readBody(req, o.maxBodyBytes)
      .then((rawBody) => (rawBody === undefined ? undefined : handle({ rawBody, headers: req.headers })))
      .then((r) => send(r ?? { status: 413, headers: {}, body: 'request body too large' }))
      .catch((err: unknown) => {
        logger.error('slack: interaction handler failed', { error: describeError(err) });
        if (!res.headersSent) send({ status: 500, headers: {}, body: 'internal error' });
      });
  };

  return { handle, listener };
}

/** The message that replaces the one with the buttons: its text, and who decided what. */
function decisionMessage(
  payload: Record<string, unknown>,
  decision: 'approve' | 'reject',
  user: SlackUser,
  result: ApprovalOutcome,
): Record<string, unknown> {
  const original = ((payload.message as { blocks?: SlackBlock[] } | undefined)?.blocks ?? []).filter(
    (b) => b.type !== 'actions',
  );
  const who = `<@${escapeSlack(user.id)}>`;
  const line =
    result.status === 'decided'
      ? `${decision === 'approve' ? '✅ Approved' : '⛔ Rejected'} by ${who}`
      : result.status === 'already-decided'
        ? `Already ${result.state.status}${'by' in result.state && result.state.by ? ` by ${escapeSlack(result.state.by)}` : ''}; ${who} pressed ${decision}`
        : `This approval no longer exists (${who} pressed ${decision})`;
  return {
    replace_original: true,
    text: line,
    blocks: [...original, { type: 'context', elements: [{ type: 'mrkdwn', text: line }] }],
  };
}

/** Reads the body up to `limit` bytes; `undefined` when it is larger (or express already parsed it into a Buffer). */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const parsed = (req as { body?: unknown }).body;
  if (Buffer.isBuffer(parsed)) return parsed.length > limit ? undefined : parsed;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) return undefined;
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}
