/**
 * The closed-loop demo run from code, the same loop as `corepack pnpm demo`: a local HTTP service
 * is healed end to end (its logs through Kinesis, the error-rate detector, the analyzer, the
 * restart-service runbook, verification), with Slack, Jira, a webhook and Bedrock when the
 * environment configures them. See README.md.
 *
 *   corepack pnpm exec tsx examples/closed-loop/index.ts [report.html]
 */
import { pathToFileURL } from 'node:url';
import { type ClosedLoopDemoResult, formatClosedLoopTimeline, runClosedLoopDemo } from '@aiops/pipeline';

/**
 * Runs the loop once, prints its timeline and figures, and resolves with the result. Ctrl-C stops
 * it cleanly: the service it started and its temporary folder are removed.
 */
export async function main(
  reportPath = 'demo-report.html',
  env: Readonly<Record<string, string | undefined>> = process.env,
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<ClosedLoopDemoResult> {
  const abort = new AbortController();
  const stop = () => abort.abort(new Error('interrupted'));
  process.once('SIGINT', stop);
  try {
    const result = await runClosedLoopDemo({ env, reportPath, write, signal: abort.signal });
    write(`\n${formatClosedLoopTimeline(result)}`);
    write(`${result.ok ? 'healed' : `not healed: ${result.failure}`}; report in ${result.reportPath}\n`);
    write(`${JSON.stringify(result.summary)}\n`);
    return result;
  } finally {
    process.off('SIGINT', stop);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await main(process.argv[2]);
  process.exitCode = result.ok ? 0 : 1;
}
