import type { ServerResponse } from 'node:http';
import { type FakeHttpServer, hangUp, json, type SeenHttpRequest, startFakeHttpServer } from './http.js';

/**
 * A message as {@link FakeSlack} keeps it: posted with `chat.postMessage`, changed in place by
 * `chat.update` (which counts in `updates`).
 *
 * @example
 * ```ts
 * import { type FakeSlackMessage, startFakeSlack } from '@aiops/testing';
 * const slack = await startFakeSlack();
 * // The thread of an incident, root first, as one line per message.
 * const thread = (root: FakeSlackMessage) => [root, ...slack.replies(root.ts)].map((m) => m.text);
 * slack.roots().map(thread);
 * await slack.close();
 * ```
 */
export interface FakeSlackMessage {
  readonly channel: string;
  /** Slack's message id, `<seconds>.<sequence>`, unique per fake. */
  readonly ts: string;
  /** The root's `ts` for a reply in a thread. */
  readonly threadTs?: string;
  text: string;
  blocks: Array<Record<string, unknown>>;
  readonly metadata?: { event_type: string; event_payload: Record<string, unknown> };
  /** A thread reply posted with `reply_broadcast`: also shows in `conversations.history`. */
  readonly broadcast: boolean;
  /** How many `chat.update` calls changed this message. */
  updates: number;
}

/**
 * A failure {@link FakeSlack.inject} scripts for the next matching calls:
 * - `rate-limit`: HTTP 429 with `Retry-After: retryAfterSec` and `{ ok: false, error: 'ratelimited' }`;
 * - `error`: HTTP 200 with `{ ok: false, error }` (such as `channel_not_found`);
 * - `status`: that HTTP status (a 5xx, say) with `{ ok: false, error: 'internal_error' }`; for the incoming
 *   webhook (method `webhook`) the status with a plain-text body, as Slack answers there;
 * - `hang-up-after`: the call takes effect (a message is posted) and then the connection drops
 *   unanswered, so the client cannot know it happened.
 *
 * @example
 * ```ts
 * import { type FakeSlackFault, startFakeSlack } from '@aiops/testing';
 * const slack = await startFakeSlack();
 * const throttled: FakeSlackFault = { kind: 'rate-limit', retryAfterSec: 1 };
 * slack.inject(throttled, 2, 'chat.postMessage'); // the next two posts get 429
 * await slack.close();
 * ```
 */
export type FakeSlackFault =
  | { kind: 'rate-limit'; retryAfterSec: number }
  | { kind: 'error'; error: string }
  | { kind: 'status'; status: number }
  | { kind: 'hang-up-after' };

/**
 * Options of {@link startFakeSlack}.
 *
 * @example
 * ```ts
 * import { type FakeSlackOptions, startFakeSlack } from '@aiops/testing';
 * const options: FakeSlackOptions = { token: 'xoxb-my-bot', channels: ['C0ALERTS'] };
 * const slack = await startFakeSlack(options);
 * await slack.close();
 * ```
 */
export interface FakeSlackOptions {
  /** The bot token every API call must carry as `Authorization: Bearer <token>`; defaults to `xoxb-test-token`. */
  readonly token?: string;
  /** Channel ids that exist; others answer `channel_not_found`. Defaults to `C0INCIDENTS` and `C0OTHER`. */
  readonly channels?: readonly string[];
}

/**
 * A Slack Web API on 127.0.0.1 speaking the real wire format: form-encoded (or JSON) POSTs to
 * `/api/<method>` with a bearer token, `{ ok, ... }` envelopes, HTTP 429 with `Retry-After`. It
 * implements `auth.test`, `chat.postMessage` (threads, `reply_broadcast`, `metadata`), `chat.update`,
 * `conversations.history` and `conversations.replies` (with `include_all_metadata`). Also an incoming
 * webhook (`webhookUrl`, answers plain-text `ok`) and a `response_url` (`responseUrl`).
 *
 * @example
 * ```ts
 * import { type FakeSlack, startFakeSlack } from '@aiops/testing';
 * const slack: FakeSlack = await startFakeSlack();
 * await fetch(`${slack.apiUrl}chat.postMessage`, {
 *   method: 'POST',
 *   headers: { authorization: 'Bearer xoxb-test-token', 'content-type': 'application/json' },
 *   body: JSON.stringify({ channel: 'C0INCIDENTS', text: 'checkout is down' }),
 * });
 * slack.roots().map((m) => m.text); // ['checkout is down']
 * slack.calls('chat.postMessage').length; // 1
 * await slack.close();
 * ```
 */
export interface FakeSlack extends FakeHttpServer {
  /** Base URL of the Web API, ending in `/api/` (what Slack clients call `slackApiUrl`). */
  readonly apiUrl: string;
  /** An incoming-webhook URL (`/services/T0TEST/B0TEST/secretpart`); other `/services/` paths answer 404. */
  readonly webhookUrl: string;
  /** An interactivity `response_url` (`/actions/...`). */
  readonly responseUrl: string;
  /** Every posted message (roots and replies), in posting order. */
  readonly messages: FakeSlackMessage[];
  /** JSON bodies posted to `/actions/...`. */
  readonly responses: Array<Record<string, unknown>>;
  /** JSON bodies posted to the incoming webhook. */
  readonly webhookPosts: Array<Record<string, unknown>>;
  /** API calls by method name (such as `chat.postMessage`), with the time each arrived. */
  calls(method: string): SeenHttpRequest[];
  /** Messages that start a thread (not replies). */
  roots(): FakeSlackMessage[];
  /** Replies in the thread of `rootTs`, in posting order. */
  replies(rootTs: string): FakeSlackMessage[];
  /** The next `count` (default 1) calls of `method` (or of any method; `webhook` for the incoming webhook) get `fault`. */
  inject(fault: FakeSlackFault, count?: number, method?: string): void;
}

/**
 * Starts a {@link FakeSlack} on 127.0.0.1 at a random port. Close it in `afterAll`.
 *
 * @example
 * ```ts
 * import { startFakeSlack } from '@aiops/testing';
 * const slack = await startFakeSlack({ channels: ['C0INCIDENTS'] });
 * // Down once with a 503, then fine: a notifier under test should retry.
 * slack.inject({ kind: 'status', status: 503 }, 1, 'chat.postMessage');
 * // ... run the notifier with `slackApiUrl: slack.apiUrl` and token `xoxb-test-token`, then:
 * slack.calls('chat.postMessage').length;
 * await slack.close();
 * ```
 */
export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const token = options.token ?? 'xoxb-test-token';
  const channels = new Set(options.channels ?? ['C0INCIDENTS', 'C0OTHER']);
  const messages: FakeSlackMessage[] = [];
  const responses: Array<Record<string, unknown>> = [];
  const webhookPosts: Array<Record<string, unknown>> = [];
  const faults: Array<{ fault: FakeSlackFault; method: string | undefined; left: number }> = [];
  let seq = 0;

  const takeFault = (method: string): FakeSlackFault | undefined => {
    const f = faults.find((x) => x.left > 0 && (x.method === undefined || x.method === method));
    if (!f) return undefined;
    f.left--;
    return f.fault;
  };

  const params = (req: SeenHttpRequest): Record<string, unknown> => {
    if ((req.headers['content-type'] ?? '').includes('application/json')) return JSON.parse(req.body || '{}');
    const out: Record<string, unknown> = {};
    for (const [k, v] of new URLSearchParams(req.body)) {
      out[k] = k === 'blocks' || k === 'metadata' ? JSON.parse(v) : v;
    }
    return out;
  };

  const api = (method: string, p: Record<string, unknown>, res: ServerResponse) => {
    const channel = String(p.channel ?? '');
    const known = channels.has(channel);
    switch (method) {
      case 'auth.test':
        return json(res, 200, { ok: true, team_id: 'T0TEST', user_id: 'U0BOT' });
      case 'chat.postMessage': {
        if (!known) return json(res, 200, { ok: false, error: 'channel_not_found' });
        if (!p.text && !p.blocks) return json(res, 200, { ok: false, error: 'no_text' });
        const ts = `${Math.floor(Date.now() / 1_000)}.${String(++seq).padStart(6, '0')}`;
        const message: FakeSlackMessage = {
          channel,
          ts,
          ...(p.thread_ts ? { threadTs: String(p.thread_ts) } : {}),
          text: String(p.text ?? ''),
          blocks: (p.blocks as Array<Record<string, unknown>>) ?? [],
          ...(p.metadata ? { metadata: p.metadata as FakeSlackMessage['metadata'] & object } : {}),
          broadcast: p.reply_broadcast === 'true' || p.reply_broadcast === true,
          updates: 0,
        };
        messages.push(message);
        return json(res, 200, { ok: true, channel, ts, message: { type: 'message', text: message.text, ts } });
      }
      case 'chat.update': {
        const m = messages.find((x) => x.channel === channel && x.ts === p.ts);
        if (!m) return json(res, 200, { ok: false, error: 'message_not_found' });
        m.text = String(p.text ?? m.text);
        m.blocks = (p.blocks as Array<Record<string, unknown>>) ?? m.blocks;
        m.updates++;
        return json(res, 200, { ok: true, channel, ts: m.ts, text: m.text });
      }
      case 'conversations.history':
      case 'conversations.replies': {
        if (!known) return json(res, 200, { ok: false, error: 'channel_not_found' });
        const oldest = Number(p.oldest ?? 0);
        const withMeta = p.include_all_metadata === 'true' || p.include_all_metadata === true;
        const list = messages
          .filter((m) => m.channel === channel && Number(m.ts) >= oldest)
          .filter((m) =>
            method === 'conversations.history' ? !m.threadTs || m.broadcast : m.ts === p.ts || m.threadTs === p.ts,
          )
          .map((m) => ({
            type: 'message',
            ts: m.ts,
            text: m.text,
            ...(withMeta && m.metadata ? { metadata: m.metadata } : {}),
          }));
        return json(res, 200, {
          ok: true,
          messages: method === 'conversations.history' ? list.reverse() : list,
          has_more: false,
        });
      }
      default:
        return json(res, 200, { ok: false, error: 'unknown_method' });
    }
  };

  const server = await startFakeHttpServer((req, res) => {
    if (req.path.startsWith('/services/')) {
      if (req.path !== '/services/T0TEST/B0TEST/secretpart') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('no_service');
        return;
      }
      const fault = takeFault('webhook');
      if (fault?.kind === 'status') {
        res
          .writeHead(fault.status, { 'content-type': 'text/plain' })
          .end(fault.status === 429 ? 'rate_limited' : 'no_service');
        return;
      }
      webhookPosts.push(JSON.parse(req.body));
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (req.path.startsWith('/actions/')) {
      responses.push(JSON.parse(req.body));
      return json(res, 200, { ok: true });
    }
    const method = req.path.replace(/^\/api\//, '');
    if (req.headers.authorization !== `Bearer ${token}`) return json(res, 200, { ok: false, error: 'invalid_auth' });
    const fault = takeFault(method);
    if (fault?.kind === 'rate-limit') {
      res.writeHead(429, { 'retry-after': String(fault.retryAfterSec), 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    if (fault?.kind === 'error') return json(res, 200, { ok: false, error: fault.error });
    if (fault?.kind === 'status') return json(res, fault.status, { ok: false, error: 'internal_error' });
    if (fault?.kind === 'hang-up-after') {
      api(method, params(req), { writeHead: () => ({ end: () => {} }), end: () => {} } as unknown as ServerResponse);
      return hangUp(res);
    }
    return api(method, params(req), res);
  });

  return {
    ...server,
    apiUrl: `${server.url}/api/`,
    webhookUrl: `${server.url}/services/T0TEST/B0TEST/secretpart`,
    responseUrl: `${server.url}/actions/T0TEST/1234/abcd`,
    messages,
    responses,
    webhookPosts,
    calls: (method) => server.requests.filter((r) => r.path === `/api/${method}`),
    roots: () => messages.filter((m) => !m.threadTs),
    replies: (rootTs) => messages.filter((m) => m.threadTs === rootTs),
    inject(fault, count = 1, method) {
      faults.push({ fault, method, left: count });
    },
  };
}
