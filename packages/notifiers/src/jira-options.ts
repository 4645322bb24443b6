import type { Version3Client } from 'jira.js';
import { z } from 'zod';
import { ClaimOptionsSchema, EventTypeSchema, LoggerSchema } from './options.js';

/** @internal The zod schema behind {@link JiraNotifierOptions}. */
export const JiraNotifierOptionsSchema = z
  .object({
    name: z.string().min(1).default('jira'),
    client: z
      .custom<Version3Client>(
        (v) => typeof (v as { issues?: { createIssue?: unknown } } | null)?.issues?.createIssue === 'function',
        'expected a Version3Client from jira.js',
      )
      .optional(),
    host: z.url().optional(),
    email: z.string().min(1).optional(),
    apiToken: z.string().min(1).optional(),
    requestTimeoutMs: z.number().int().positive().default(15_000),
    /** Project key, e.g. `OPS`. */
    projectKey: z.string().regex(/^[A-Z][A-Z0-9_]+$/, 'a Jira project key such as OPS'),
    /** Issue type by name (`Bug`, `Incident`) or `{ id }`. */
    issueType: z.union([z.string().min(1), z.object({ id: z.string().min(1) })]).default('Bug'),
    /** Labels added to every ticket, besides `aiops-<fingerprint>`. */
    labels: z.array(z.string().regex(/^\S+$/, 'labels cannot contain spaces')).default(['aiops']),
    /** Priority name per severity, e.g. `{ critical: 'Highest', high: 'High' }`; unset severities set no priority. */
    priorities: z.partialRecord(z.enum(['info', 'low', 'medium', 'high', 'critical']), z.string().min(1)).default({}),
    /** More fields for the create call: components, custom fields (`customfield_10042`), assignee. */
    fields: z.record(z.string(), z.unknown()).default({}),
    /** Prefix of the ticket summary. */
    summaryPrefix: z.string().default('[aiops] '),
    /** Transition (or target status) that resolves a ticket, matched case-insensitively. */
    doneTransition: z.string().min(1).default('Done'),
    /** Fields the done transition needs (a resolution, say). */
    doneFields: z.record(z.string(), z.unknown()).default({}),
    /** Transitions (or target statuses) that reopen a ticket, tried in order. */
    reopenTransitions: z
      .array(z.string().min(1))
      .min(1)
      .default(['Reopen', 'Reopened', 'To Do', 'Open', 'In Progress']),
    /** A recurrence resolved at most this long ago reopens the same ticket; later ones open a new ticket. */
    reopenWithinMs: z
      .number()
      .int()
      .nonnegative()
      .default(24 * 3_600_000),
    /** Event types added as comments; all but `incident.opened` of a new ticket by default. */
    commentOn: z.array(EventTypeSchema).optional(),
    /** How long Jira's JQL search may take to show a new ticket: a doubtful create is reconciled after it. */
    searchSettleMs: z.number().int().nonnegative().default(15_000),
    /** A 429 asking to wait at most this long is waited out in the call. */
    rateLimitWaitMs: z.number().int().nonnegative().default(5_000),
    claims: ClaimOptionsSchema.prefault({}),
    retentionMs: z
      .number()
      .int()
      .positive()
      .default(30 * 24 * 3_600_000),
    workerId: z.string().min(1).optional(),
    logger: LoggerSchema.optional(),
  })
  .superRefine((o, ctx) => {
    const config = o.host !== undefined || o.email !== undefined || o.apiToken !== undefined;
    if (o.client && config) {
      ctx.addIssue({
        code: 'custom',
        path: ['client'],
        message: 'give either client or host/email/apiToken, not both',
      });
    }
    if (!o.client) {
      for (const field of ['host', 'email', 'apiToken'] as const) {
        if (o[field] === undefined)
          ctx.addIssue({ code: 'custom', path: [field], message: `${field} is required without a client` });
      }
    }
  });

type Common = Omit<
  z.input<typeof JiraNotifierOptionsSchema>,
  'client' | 'host' | 'email' | 'apiToken' | 'requestTimeoutMs'
>;

/**
 * Options of `createJiraNotifier`: a `Version3Client` you built, or the site and API token to build
 * one, never both.
 *
 * @example
 * ```ts
 * import type { JiraNotifierOptions } from '@aiops/notifiers';
 * const options: JiraNotifierOptions = {
 *   host: 'https://your-team.atlassian.net', email: 'sre-bot@example.com', apiToken: '…',
 *   projectKey: 'OPS', issueType: 'Incident', priorities: { critical: 'Highest', high: 'High' },
 * };
 * ```
 */
export type JiraNotifierOptions = Common &
  (
    | { client: Version3Client; host?: never; email?: never; apiToken?: never; requestTimeoutMs?: never }
    | { host: string; email: string; apiToken: string; requestTimeoutMs?: number; client?: never }
  );

/** @internal */
export type ResolvedJiraOptions = z.output<typeof JiraNotifierOptionsSchema>;
