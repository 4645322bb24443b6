import { parseArgs } from 'node:util';
import { DeadLetterStageSchema } from '@aiops/core';
import { readDeadLetters } from '../dead-letter.js';
import type { CliCommand } from './command.js';

const USAGE = `Usage: aiops deadletter list <file> [--stage <stage>] [--json]

Lists what a pipeline could not process, from an NDJSON dead-letter file (NdjsonDeadLetterSink):
when, at which stage, which plugin, why, and where the record came from.

Options:
  --stage <stage>  only one stage: ${DeadLetterStageSchema.options.join(', ')}
  --json           one JSON record per line instead of a table
  -h, --help       this text
`;

/** `aiops deadletter list`: reads a dead-letter file and shows each record with its reason. */
export const deadletterCommand: CliCommand = {
  name: 'deadletter',
  summary: 'list the records a pipeline dead-lettered, with their reasons',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        stage: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    const [action, file] = positionals;
    if (action !== 'list' || !file || positionals.length > 2) {
      io.err(`aiops deadletter: expected "list <file>"\n\n${USAGE}`);
      return 2;
    }
    if (values.stage !== undefined && !DeadLetterStageSchema.safeParse(values.stage).success) {
      io.err(`aiops deadletter: unknown stage "${values.stage}"\n\n${USAGE}`);
      return 2;
    }
    const { records, errors } = await readDeadLetters(file);
    const shown = values.stage === undefined ? records : records.filter((r) => r.stage === values.stage);
    for (const r of shown) {
      if (values.json) {
        io.out(`${JSON.stringify(r)}\n`);
        continue;
      }
      const where = r.origin
        ? ` from ${[r.origin.source, r.origin.stream, r.origin.shard, r.origin.sequenceNumber ?? r.origin.line].filter((x) => x !== undefined).join(' ')}`
        : '';
      io.out(
        `${new Date(r.at).toISOString()}  ${r.stage.padEnd(8)} ${(r.plugin ?? '-').padEnd(20)} ${r.reason}${where}\n`,
      );
    }
    for (const e of errors) io.err(`${file}:${e.line}: ${e.reason}\n`);
    if (!values.json)
      io.out(`${shown.length} dead letter(s)${errors.length > 0 ? `, ${errors.length} unreadable line(s)` : ''}\n`);
    return errors.length > 0 ? 1 : 0;
  },
};
