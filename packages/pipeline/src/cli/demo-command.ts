import { parseArgs } from 'node:util';
import { runClosedLoopDemo } from '../demo/closed-loop.js';
import { formatClosedLoopTimeline } from '../demo/demo-report.js';
import type { CliCommand } from './command.js';

/** `aiops demo`: the closed loop, end to end on this machine (see `runClosedLoopDemo`). */
export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'heal a failing local service end to end: logs through Kinesis, detection, analysis, a runbook, recovery',
  usage: `Usage: aiops demo [--json] [--report <path>] [--keep] [--timeout <seconds>] [--runbooks <dir>]

Runs the self-healing loop on this machine with nothing but Node: a small HTTP service serves
traffic and logs every request; its logs go through a Kinesis stream (kinesalite, in-process) as
CloudWatch Logs subscription records into a pipeline; a fault exhausts the service's connection
pool; the error-rate detector opens an incident; the analyzer proposes restart-service; the local
executor runs it behind the guardrails; the error rate falls back and the incident resolves.
Takes about 15 seconds. Writes an HTML report with a chart of the run.

Notifications go to the console, and also to Slack (SLACK_BOT_TOKEN, SLACK_CHANNEL_ID), Jira
(JIRA_HOST, JIRA_EMAIL, JIRA_API_TOKEN, JIRA_PROJECT_KEY) and a webhook (AIOPS_WEBHOOK_URL) when
those are set. With AIOPS_BEDROCK_MODEL_ID and AWS credentials set, Bedrock analyzes instead of
the offline analyzer.

Options:
  --json              print the run's figures as one JSON object on the last line:
                      { spikeAt, detectedAfterMs, actionAfterMs, recoveredAfterMs,
                        runbookRuns, incidents, notifications }
  --report <path>     where the HTML report goes (default ./demo-report.html)
  --keep              keep the temporary folder (service log, state, checkpoints, audit log)
  --timeout <s>       give up when the loop has not closed this long after the fault (default 45)
  --runbooks <dir>    the runbook repository (default: the repository's examples/runbooks)
  -h, --help          this text

Exit codes: 0 the loop closed (one incident, one runbook run, recovery), 1 it did not, 130 interrupted.
`,
  async run(args, io) {
    // The demo's AWS clients talk to an in-process Kinesis only: the SDK's advice about Node versions
    // for AWS services would be noise in the middle of its output (set the variable to see it).
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const { values } = parseArgs({
      args: [...args],
      options: {
        json: { type: 'boolean', default: false },
        report: { type: 'string' },
        keep: { type: 'boolean', default: false },
        timeout: { type: 'string' },
        runbooks: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
    });
    if (values.help) {
      io.out(this.usage);
      return 0;
    }
    let timeoutMs: number | undefined;
    if (values.timeout !== undefined) {
      const seconds = Number(values.timeout);
      if (!Number.isFinite(seconds) || seconds <= 0) {
        io.err(`aiops demo: --timeout must be a positive number of seconds, got "${values.timeout}"\n`);
        return 2;
      }
      timeoutMs = Math.round(seconds * 1_000);
    }
    const abort = new AbortController();
    const interrupt = () => abort.abort(new Error('interrupted'));
    process.once('SIGINT', interrupt);
    process.once('SIGTERM', interrupt);
    try {
      const result = await runClosedLoopDemo({
        write: io.out,
        env: process.env,
        keep: values.keep,
        signal: abort.signal,
        ...(values.report !== undefined ? { reportPath: values.report } : {}),
        ...(values.runbooks !== undefined ? { runbooksDir: values.runbooks } : {}),
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      });
      io.out(`\n${formatClosedLoopTimeline(result)}\n`);
      const s = result.summary;
      const ms = (v: number | null) => (v === null ? 'never' : `${v} ms`);
      io.out(
        `${result.ok ? 'The loop closed' : 'The loop did not close'} in ${(result.wallMs / 1_000).toFixed(1)} s: ` +
          `detected after ${ms(s.detectedAfterMs)}, runbook after ${ms(s.actionAfterMs)}, recovered after ${ms(s.recoveredAfterMs)}; ` +
          `${s.incidents} incident(s), ${s.runbookRuns} runbook run(s).\n`,
      );
      if (result.reportPath) io.out(`Report: ${result.reportPath}\n`);
      if (result.tempDir) io.out(`Kept: ${result.tempDir}\n`);
      if (!result.ok) io.err(`aiops demo: ${result.failure}\n`);
      if (values.json) io.out(`${JSON.stringify(s)}\n`);
      return result.ok ? 0 : 1;
    } catch (err) {
      if (abort.signal.aborted) {
        io.err('aiops demo: interrupted; the service and the temporary folder were cleaned up\n');
        return 130;
      }
      throw err;
    } finally {
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
    }
  },
};
