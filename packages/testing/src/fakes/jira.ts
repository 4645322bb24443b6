import { type FakeHttpServer, hangUp, json, type SeenHttpRequest, startFakeHttpServer } from './http.js';

/**
 * An issue as {@link FakeJira} keeps it: the `fields` it was created with (edits merged in), its
 * workflow status, comments and the transitions it went through.
 *
 * @example
 * ```ts
 * import { type FakeJiraIssue, startFakeJira } from '@aiops/testing';
 * const jira = await startFakeJira();
 * // One line per ticket: key, status, how many comments.
 * const line = (i: FakeJiraIssue) => `${i.key} ${i.status} (${i.comments.length} comments)`;
 * jira.issues.map(line);
 * await jira.close();
 * ```
 */
export interface FakeJiraIssue {
  readonly id: string;
  /** `<project>-<n>`, such as `OPS-1`. */
  readonly key: string;
  readonly fields: Record<string, unknown>;
  status: 'To Do' | 'In Progress' | 'Done';
  /** Comments in posting order; `body` is the ADF document sent. */
  readonly comments: Array<{ id: string; body: unknown; created: number }>;
  /** `Date.now()` at creation; the search shows the issue `indexLagMs` later. */
  readonly createdAt: number;
  /** Names of the transitions applied, in order (`Start progress`, `Done`, `Reopen`). */
  readonly transitions: string[];
  /** How many `PUT /rest/api/3/issue/{key}` edits it got. */
  edits: number;
}

/**
 * A failure {@link FakeJira.inject} scripts for the next matching requests:
 * - `status`: that HTTP status with a `{ errorMessages, errors }` body, plus `Retry-After` when
 *   `retryAfterSec` is set (a 429, say); the request has no effect;
 * - `hang-up-after`: the request takes effect (the issue is created, the comment added) and then the
 *   connection drops unanswered, so the client cannot know it happened.
 *
 * @example
 * ```ts
 * import { type FakeJiraFault, startFakeJira } from '@aiops/testing';
 * const jira = await startFakeJira();
 * const throttled: FakeJiraFault = { kind: 'status', status: 429, retryAfterSec: 1 };
 * jira.inject(throttled, 1, 'POST /rest/api/3/issue');
 * await jira.close();
 * ```
 */
export type FakeJiraFault = { kind: 'status'; status: number; retryAfterSec?: number } | { kind: 'hang-up-after' };

/**
 * Options of {@link startFakeJira}: the basic-auth credentials every request must carry and the one
 * project that exists.
 *
 * @example
 * ```ts
 * import { type FakeJiraOptions, startFakeJira } from '@aiops/testing';
 * const options: FakeJiraOptions = { email: 'ops-bot@example.com', apiToken: 'secret', project: 'SRE' };
 * const jira = await startFakeJira(options);
 * await jira.close();
 * ```
 */
export interface FakeJiraOptions {
  /** Defaults to `bot@example.com`. */
  readonly email?: string;
  /** Defaults to `jira-token`. */
  readonly apiToken?: string;
  /** The project key issues must be created in; defaults to `OPS`. */
  readonly project?: string;
}

/**
 * Jira Cloud REST v3 on 127.0.0.1: basic auth, create issue, the enhanced JQL search (eventually
 * consistent: new issues show up only after `indexLagMs`; it understands `project = "..."`,
 * `labels = "..."` and `statusCategory != Done`), get and edit issue, comments, transitions
 * (`11` Start progress, `31` Done, `41` Reopen), and `{ errorMessages, errors }` bodies (400 on a bad
 * create, 401 on bad credentials, 404 on an unknown issue). The removed `/rest/api/3/search` answers 410.
 *
 * @example
 * ```ts
 * import { type FakeJira, startFakeJira } from '@aiops/testing';
 * const jira: FakeJira = await startFakeJira();
 * jira.indexLagMs = 500; // the search sees a new issue half a second after it was created
 * // ... run the notifier under test with host `jira.url`, email bot@example.com, token jira-token, then:
 * jira.issues.length;
 * jira.calls('POST /rest/api/3/issue/{key}/comment').length;
 * await jira.close();
 * ```
 */
export interface FakeJira extends FakeHttpServer {
  /** Every created issue, in creation order. */
  readonly issues: FakeJiraIssue[];
  /** Requests to one route, such as `POST /rest/api/3/issue` or `GET /rest/api/3/issue/{key}/transitions`. */
  calls(route: string): SeenHttpRequest[];
  /** The next `count` (default 1) requests to `route` (or to any route) get `fault`. */
  inject(fault: FakeJiraFault, count?: number, route?: string): void;
  /** Every request fails with `status` until `outage(undefined)`. */
  outage(status: number | undefined): void;
  /** How long a new issue stays invisible to the JQL search; 0 by default. */
  indexLagMs: number;
}

const STATUS_CATEGORY = { 'To Do': 'new', 'In Progress': 'indeterminate', Done: 'done' } as const;
const TRANSITIONS = [
  { id: '11', name: 'Start progress', to: 'In Progress', from: ['To Do'] },
  { id: '31', name: 'Done', to: 'Done', from: ['To Do', 'In Progress'] },
  { id: '41', name: 'Reopen', to: 'To Do', from: ['Done'] },
] as const;

/**
 * Starts a {@link FakeJira} on 127.0.0.1 at a random port. Close it in `afterAll`.
 *
 * @example
 * ```ts
 * import { startFakeJira } from '@aiops/testing';
 * const jira = await startFakeJira({ project: 'OPS' });
 * jira.outage(503); // every request fails until...
 * jira.outage(undefined); // ...Jira is back
 * const res = await fetch(`${jira.url}/rest/api/3/issue`, {
 *   method: 'POST',
 *   headers: {
 *     authorization: `Basic ${Buffer.from('bot@example.com:jira-token').toString('base64')}`,
 *     'content-type': 'application/json',
 *   },
 *   body: JSON.stringify({
 *     fields: {
 *       project: { key: 'OPS' },
 *       summary: 'checkout is down',
 *       issuetype: { name: 'Incident' },
 *       description: { type: 'doc', version: 1, content: [] },
 *     },
 *   }),
 * });
 * res.status; // 201
 * jira.issues[0]?.key; // 'OPS-1'
 * await jira.close();
 * ```
 */
export async function startFakeJira(options: FakeJiraOptions = {}): Promise<FakeJira> {
  const auth = `Basic ${Buffer.from(`${options.email ?? 'bot@example.com'}:${options.apiToken ?? 'jira-token'}`).toString('base64')}`;
  const project = options.project ?? 'OPS';
  const issues: FakeJiraIssue[] = [];
  const faults: Array<{ fault: FakeJiraFault; route: string | undefined; left: number }> = [];
  let outageStatus: number | undefined;
  let seq = 0;
  let commentSeq = 0;
  const state = { indexLagMs: 0 };

  const statusOf = (i: FakeJiraIssue) => ({ name: i.status, statusCategory: { key: STATUS_CATEGORY[i.status] } });
  const routeOf = (req: SeenHttpRequest): string =>
    `${req.method} ${req.path.replace(/\/issue\/[A-Z]+-\d+/, '/issue/{key}')}`;

  const server = await startFakeHttpServer((req, res) => {
    if (req.headers.authorization !== auth) {
      return json(res, 401, { errorMessages: ['You are not authenticated.'], errors: {} });
    }
    if (outageStatus !== undefined)
      return json(res, outageStatus, { errorMessages: ['Service unavailable'], errors: {} });
    const route = routeOf(req);
    const f = faults.find((x) => x.left > 0 && (x.route === undefined || x.route === route));
    let hangUpAfter = false;
    if (f) {
      f.left--;
      if (f.fault.kind === 'status') {
        const headers: Record<string, string> =
          f.fault.retryAfterSec === undefined ? {} : { 'retry-after': String(f.fault.retryAfterSec) };
        return json(res, f.fault.status, { errorMessages: [`injected ${f.fault.status}`], errors: {} }, headers);
      }
      hangUpAfter = true;
    }
    const answer = (status: number, body?: unknown) => {
      if (hangUpAfter) return hangUp(res);
      if (body === undefined) res.writeHead(status).end();
      else json(res, status, body);
    };
    const key = /\/issue\/([A-Z]+-\d+)/.exec(req.path)?.[1];
    const issue = key ? issues.find((i) => i.key === key) : undefined;
    if (key && !issue)
      return answer(404, {
        errorMessages: ['Issue does not exist or you do not have permission to see it.'],
        errors: {},
      });

    switch (route) {
      case 'POST /rest/api/3/issue': {
        const fields = (JSON.parse(req.body) as { fields: Record<string, unknown> }).fields;
        const errors: Record<string, string> = {};
        if ((fields.project as { key?: string } | undefined)?.key !== project)
          errors.project = 'valid project is required';
        if (typeof fields.summary !== 'string' || fields.summary.length === 0 || fields.summary.length > 255)
          errors.summary = 'bad summary';
        if (!(fields.issuetype as { name?: string } | undefined)?.name) errors.issuetype = 'issue type is required';
        if ((fields.description as { type?: string } | undefined)?.type !== 'doc')
          errors.description = 'Operation value must be an Atlassian Document';
        if (Object.keys(errors).length > 0) return answer(400, { errorMessages: [], errors });
        const id = String(10_000 + ++seq);
        const created: FakeJiraIssue = {
          id,
          key: `${project}-${seq}`,
          fields,
          status: 'To Do',
          comments: [],
          createdAt: Date.now(),
          transitions: [],
          edits: 0,
        };
        issues.push(created);
        return answer(201, { id, key: created.key, self: `${server.url}/rest/api/3/issue/${id}` });
      }
      case 'GET /rest/api/3/search':
        return answer(410, {
          errorMessages: ['The requested API has been removed. Please use /rest/api/3/search/jql.'],
          errors: {},
        });
      case 'GET /rest/api/3/search/jql': {
        const jql = req.query.get('jql') ?? '';
        const label = /labels = "([^"]+)"/.exec(jql)?.[1];
        const proj = /project = "([^"]+)"/.exec(jql)?.[1];
        const notDone = jql.includes('statusCategory != Done');
        const visible = issues.filter(
          (i) =>
            Date.now() - i.createdAt >= state.indexLagMs &&
            (!proj || proj === project) &&
            (!label || (i.fields.labels as string[]).includes(label)) &&
            (!notDone || i.status !== 'Done'),
        );
        return answer(200, {
          issues: visible.map((i) => ({
            id: i.id,
            key: i.key,
            fields: { summary: i.fields.summary, status: statusOf(i) },
          })),
        });
      }
      case 'GET /rest/api/3/issue/{key}':
        return answer(200, { id: issue!.id, key: issue!.key, fields: { ...issue!.fields, status: statusOf(issue!) } });
      case 'PUT /rest/api/3/issue/{key}': {
        Object.assign(issue!.fields, (JSON.parse(req.body) as { fields: Record<string, unknown> }).fields);
        issue!.edits++;
        return answer(204);
      }
      case 'POST /rest/api/3/issue/{key}/comment': {
        const body = (JSON.parse(req.body) as { body?: { type?: string } }).body;
        if (body?.type !== 'doc') return answer(400, { errorMessages: ['Comment body must be ADF'], errors: {} });
        const comment = { id: String(20_000 + ++commentSeq), body, created: Date.now() };
        issue!.comments.push(comment);
        return answer(201, { id: comment.id, body });
      }
      case 'GET /rest/api/3/issue/{key}/comment': {
        const list = [...issue!.comments];
        if (req.query.get('orderBy') === '-created') list.reverse();
        return answer(200, { comments: list, total: list.length, startAt: 0, maxResults: 50 });
      }
      case 'GET /rest/api/3/issue/{key}/transitions':
        return answer(200, {
          transitions: TRANSITIONS.filter((t) => (t.from as readonly string[]).includes(issue!.status)).map((t) => ({
            id: t.id,
            name: t.name,
            to: { name: t.to, statusCategory: { key: STATUS_CATEGORY[t.to] } },
          })),
        });
      case 'POST /rest/api/3/issue/{key}/transitions': {
        const id = (JSON.parse(req.body) as { transition?: { id?: string } }).transition?.id;
        const t = TRANSITIONS.find((x) => x.id === id && (x.from as readonly string[]).includes(issue!.status));
        if (!t)
          return answer(400, { errorMessages: [`Transition id '${id}' is not valid for this issue.`], errors: {} });
        issue!.status = t.to;
        issue!.transitions.push(t.name);
        return answer(204);
      }
      default:
        return answer(404, { errorMessages: [`no route ${route}`], errors: {} });
    }
  });

  const fake: FakeJira = {
    ...server,
    issues,
    calls: (route) => server.requests.filter((r) => routeOf(r) === route),
    inject(fault, count = 1, route) {
      faults.push({ fault, route, left: count });
    },
    outage(status) {
      outageStatus = status;
    },
    get indexLagMs() {
      return state.indexLagMs;
    },
    set indexLagMs(ms: number) {
      state.indexLagMs = ms;
    },
  };
  return fake;
}
