import { parseArgs } from 'node:util';
import { runFirstDemo } from '../demo/first-demo.js';
import type { CliCommand } from './command.js';

/** `aiops demo`: replays the bundled service logs through a pipeline and prints the incident's life. */
export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'replay a service log with an error burst through a pipeline and watch the incident open and resolve',
  usage: `Usage: aiops demo [--file <ndjson>] [--json]

Replays a service's logs (JSON lines: { ts, level, service, msg }) through createPipeline with a
twenty-line error-rate detector and a console notifier, and prints the incident as it opens and
resolves. The bundled file has an error burst and one malformed line, which is dead-lettered.

Options:
  --file <path>  another log file of the same shape
  --json         print the pipeline's counters as one JSON object on the last line
  -h, --help     this text
`,
  async run(args, io) {
    const { values } = parseArgs({
      args: [...args],
      options: {
        file: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
    });
    if (values.help) {
      io.out(this.usage);
      return 0;
    }
    const started = performance.now();
    const stats = await runFirstDemo(values.file, (line) => io.out(`${line}\n`));
    const ms = Math.round(performance.now() - started);
    io.out(
      `replayed ${stats.deliveries.received} lines in ${ms} ms: ${stats.signals} signals, ${stats.findings} findings, ` +
        `${stats.incidents.created} incident(s) opened and ${stats.incidents.resolved} resolved, ${stats.deadLetters} dead letter(s)\n`,
    );
    if (values.json) io.out(`${JSON.stringify({ ms, ...stats })}\n`);
    return stats.incidents.created > 0 && stats.incidents.resolved === stats.incidents.created ? 0 : 1;
  },
};
