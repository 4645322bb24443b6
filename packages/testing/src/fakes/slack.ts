import type { ServerResponse } from 'node:http';
import { hangUp, json, type SeenRequest, startServer, type TestServer } from './http.js';

/** A message as the fake Slack keeps it. */
export interface SlackMessage {
  readonly channel: string;
  readonly ts: string;
  readonly threadTs?: string;
  text: string;
  blocks: Array<Record<string, unknown>>;
  readonly metadata?: { event_type: string; event_payload: Record<string, unknown> };
  readonly broadcast: boolean;
  updates: number;
}

/** A fault the next matching calls get. */
type Fault =
  | { kind: 'rate-limit'; retryAfterSec: number }
  | { kind: 'error'; error: string }
  | { kind: 'status'; status: number }
  | { kind: 'hang-up-after' };

/**
 * A Slack Web API on 127.0.0.1 speaking the real wire format: form-encoded (or JSON) POSTs to
 * `/api/<method>` with a bearer token, `{ ok, ... }` envelopes, HTTP 429 with `Retry-After`. Also
 * incoming webhooks (`/services/...`, plain-text `ok`) and `response_url`s (`/actions/...`).
 */
export interface FakeSlack extends TestServer {
  readonly apiUrl: string;
  readonly webhookUrl: string;
  readonly responseUrl: string;
  readonly messages: SlackMessage[];
  /** JSON bodies posted to `/actions/...`. */
  readonly responses: Array<Record<string, unknown>>;
  /** JSON bodies posted to the incoming webhook. */
  readonly webhookPosts: Array<Record<string, unknown>>;
  /** API calls by method name, with the time each arrived. */
  calls(method: string): SeenRequest[];
  roots(): SlackMessage[];
  replies(rootTs: string): SlackMessage[];
  /** The next `count` calls of `method` (or of any method) get `fault`. */
  inject(fault: Fault, count?: number, method?: string): void;
}

export async function startFakeSlack(options: { token?: string; channels?: string[] } = {}): Promise<FakeSlack> {
  const token = options.token ?? 'xoxb-test-token';
  const channels = new Set(options.channels ?? ['C0INCIDENTS', 'C0OTHER']);
  const messages: SlackMessage[] = [];
  const responses: Array<Record<string, unknown>> = [];
  const webhookPosts: Array<Record<string, unknown>> = [];
  const faults: Array<{ fault: Fault; method: string | undefined; left: number }> = [];
  let seq = 0;

  const takeFault = (method: string): Fault | undefined => {
    const f = faults.find((x) => x.left > 0 && (x.method === undefined || x.method === method));
    if (!f) return undefined;
    f.left--;
    return f.fault;
  };

  const params = (req: SeenRequest): Record<string, unknown> => {
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
        const message: SlackMessage = {
          channel,
          ts,
          ...(p.thread_ts ? { threadTs: String(p.thread_ts) } : {}),
          text: String(p.text ?? ''),
          blocks: (p.blocks as Array<Record<string, unknown>>) ?? [],
          ...(p.metadata ? { metadata: p.metadata as SlackMessage['metadata'] & object } : {}),
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

  const server = await startServer((req, res) => {
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
