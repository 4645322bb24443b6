import { hangUp, json, type SeenRequest, startServer, type TestServer } from './http.js';

/** An issue as the fake Jira keeps it. */
export interface JiraIssue {
  readonly id: string;
  readonly key: string;
  readonly fields: Record<string, unknown>;
  status: 'To Do' | 'In Progress' | 'Done';
  readonly comments: Array<{ id: string; body: unknown; created: number }>;
  readonly createdAt: number;
  readonly transitions: string[];
  edits: number;
}

type Fault = { kind: 'status'; status: number; retryAfterSec?: number } | { kind: 'hang-up-after' };

/**
 * Jira Cloud REST v3 on 127.0.0.1: basic auth, create issue, the enhanced JQL search (eventually
 * consistent: new issues show up only after `indexLagMs`), comments, transitions, issue edits, and
 * `{ errorMessages, errors }` bodies. The removed `/rest/api/3/search` answers 410.
 */
export interface FakeJira extends TestServer {
  readonly issues: JiraIssue[];
  /** Requests to one route, such as `POST /rest/api/3/issue`. */
  calls(route: string): SeenRequest[];
  /** The next `count` requests to `route` (or to any route) get `fault`. */
  inject(fault: Fault, count?: number, route?: string): void;
  /** Every request fails with `status` until `outage(undefined)`. */
  outage(status: number | undefined): void;
  indexLagMs: number;
}

const STATUS_CATEGORY = { 'To Do': 'new', 'In Progress': 'indeterminate', Done: 'done' } as const;
const TRANSITIONS = [
  { id: '11', name: 'Start progress', to: 'In Progress', from: ['To Do'] },
  { id: '31', name: 'Done', to: 'Done', from: ['To Do', 'In Progress'] },
  { id: '41', name: 'Reopen', to: 'To Do', from: ['Done'] },
] as const;

export async function startFakeJira(options: { email?: string; apiToken?: string; project?: string } = {}) {
  const auth = `Basic ${Buffer.from(`${options.email ?? 'bot@example.com'}:${options.apiToken ?? 'jira-token'}`).toString('base64')}`;
  const project = options.project ?? 'OPS';
  const issues: JiraIssue[] = [];
  const faults: Array<{ fault: Fault; route: string | undefined; left: number }> = [];
  let outageStatus: number | undefined;
  let seq = 0;
  let commentSeq = 0;
  const state = { indexLagMs: 0 };

  const statusOf = (i: JiraIssue) => ({ name: i.status, statusCategory: { key: STATUS_CATEGORY[i.status] } });
  const routeOf = (req: SeenRequest): string =>
    `${req.method} ${req.path.replace(/\/issue\/[A-Z]+-\d+/, '/issue/{key}')}`;

  const server = await startServer((req, res) => {
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
        const created: JiraIssue = {
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
