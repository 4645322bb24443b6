import { z } from 'zod';

/** Validates {@link ClosedLoopDemoOptions} and applies the defaults. Internal: the interface is the documented shape. */
export const ClosedLoopDemoOptionsSchema = z.object({
  write: z.custom<(text: string) => void>((v) => typeof v === 'function', 'expected a function').optional(),
  color: z.enum(['auto', 'always', 'never']).default('auto'),
  // Not z.record: process.env is not a plain object.
  env: z
    .custom<Readonly<Record<string, string | undefined>>>(
      (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
      'expected an environment object such as process.env',
    )
    .default({}),
  reportPath: z.union([z.string().min(1), z.literal(false)]).default('demo-report.html'),
  keep: z.boolean().default(false),
  runbooksDir: z.string().min(1).optional(),
  // At least 20 a second, so that every one-second window holds the ten lines the detector judges.
  requestsPerSecond: z.number().int().min(20).max(500).default(50),
  // The detector learns its baseline from two one-second windows, each judged half a second after it ends.
  warmupMs: z.number().int().min(2_500).max(60_000).default(3_500),
  tailMs: z.number().int().nonnegative().max(30_000).default(1_000),
  timeoutMs: z.number().int().positive().default(45_000),
  signal: z.instanceof(AbortSignal).optional(),
});

/**
 * Options of {@link runClosedLoopDemo}. Everything has a default: `runClosedLoopDemo()` runs the
 * whole loop on this machine with nothing but Node.
 *
 * @example
 * ```ts
 * import type { ClosedLoopDemoOptions } from '@aiops/pipeline';
 * const options: ClosedLoopDemoOptions = {
 *   env: process.env, // Slack, Jira, webhook and Bedrock settings, when present
 *   reportPath: './demo-report.html',
 *   write: (text) => process.stderr.write(text),
 * };
 * ```
 */
export interface ClosedLoopDemoOptions {
  /** Where the console notifier and the demo's own lines go. Defaults to standard output. */
  readonly write?: (text: string) => void;
  /** Colours of the console notifier. Defaults to `auto` (when `write` is standard output on a TTY). */
  readonly color?: 'auto' | 'always' | 'never';
  /**
   * The environment Slack (`SLACK_BOT_TOKEN`, `SLACK_CHANNEL_ID`), Jira (`JIRA_HOST`, ...), the
   * webhook (`AIOPS_WEBHOOK_URL`) and Bedrock (`AIOPS_BEDROCK_MODEL_ID` and AWS credentials) settings
   * are read from. Defaults to none: pass `process.env` explicitly.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where the HTML report is written; `false` for none. Defaults to `./demo-report.html`. */
  readonly reportPath?: string | false;
  /** Keep the temporary folder (service logs, state store, checkpoints, audit log). Defaults to `false`. */
  readonly keep?: boolean;
  /**
   * The runbook repository. Defaults to the repository's `examples/runbooks`, found from this module
   * or the working directory.
   */
  readonly runbooksDir?: string;
  /** Load on the service. Defaults to 50 requests a second. */
  readonly requestsPerSecond?: number;
  /** Healthy traffic before the fault, long enough for the detector to learn a baseline. Defaults to 3500 ms. */
  readonly warmupMs?: number;
  /** Healthy traffic kept after the incident resolved, so the report shows the recovery. Defaults to 1000 ms. */
  readonly tailMs?: number;
  /** The demo gives up (and fails) when the loop has not closed this long after the fault. Defaults to 45 s. */
  readonly timeoutMs?: number;
  /** Aborts the demo (Ctrl-C); every process and the temporary folder are cleaned up. */
  readonly signal?: AbortSignal;
}

/**
 * The figures of one demo run: what `aiops demo --json` prints as its last line. Every `*AfterMs`
 * is measured from `spikeAt`, the moment the record holding the first failing request's log line
 * was written to the Kinesis stream; `null` when that step never happened.
 *
 * @example
 * ```ts
 * import type { ClosedLoopDemoSummary } from '@aiops/pipeline';
 * const closed = (s: ClosedLoopDemoSummary) => s.incidents === 1 && s.runbookRuns === 1 && s.recoveredAfterMs !== null;
 * ```
 */
export interface ClosedLoopDemoSummary {
  /** ISO time the first failing request's record reached the stream. */
  readonly spikeAt: string | null;
  /** Until the error-rate detector's finding opened the incident. */
  readonly detectedAfterMs: number | null;
  /** Until the runbook started. */
  readonly actionAfterMs: number | null;
  /** Until the incident resolved: the error rate was back to normal, which verifies the action. */
  readonly recoveredAfterMs: number | null;
  /** Runbook runs the executor finished. */
  readonly runbookRuns: number;
  /** Incidents the pipeline created. */
  readonly incidents: number;
  /** Events delivered, per notifier. */
  readonly notifications: Readonly<Record<string, number>>;
}

/**
 * One step of the demo, for the console timeline and the report.
 *
 * @example
 * ```ts
 * import type { ClosedLoopTimelineEntry } from '@aiops/pipeline';
 * const line = (e: ClosedLoopTimelineEntry) => `${new Date(e.at).toISOString()} ${e.what}`;
 * ```
 */
export interface ClosedLoopTimelineEntry {
  /** Epoch milliseconds. */
  readonly at: number;
  readonly what: string;
  readonly kind?: 'fault' | 'detection' | 'action' | 'recovery' | 'info';
}

/**
 * What {@link runClosedLoopDemo} resolves with.
 *
 * @example
 * ```ts
 * import { runClosedLoopDemo } from '@aiops/pipeline';
 * const result = await runClosedLoopDemo({ reportPath: false });
 * if (!result.ok) console.error(result.failure);
 * ```
 */
export interface ClosedLoopDemoResult {
  /** One incident, one successful runbook run, and the incident resolved. */
  readonly ok: boolean;
  /** Why not, when `ok` is false. */
  readonly failure?: string;
  readonly summary: ClosedLoopDemoSummary;
  readonly timeline: readonly ClosedLoopTimelineEntry[];
  /** The report written, if any. */
  readonly reportPath?: string;
  /** The temporary folder, when kept. */
  readonly tempDir?: string;
  /** Wall time of the whole run, set-up and clean-up included. */
  readonly wallMs: number;
  /** Client-side counts of the load generator. */
  readonly load: { readonly sent: number; readonly ok: number; readonly failed: number; readonly unreachable: number };
  /** What the log shipper read and put on the stream. */
  readonly shipped: { readonly lines: number; readonly records: number; readonly failedRecords: number };
  /** Name of the analyzer used: `offline`, or `bedrock` when the environment configures it. */
  readonly analyzer: string;
}
