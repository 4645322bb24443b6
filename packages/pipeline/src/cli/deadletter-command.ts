import { parseArgs } from 'node:util';
import { type DeadLetterStage, DeadLetterStageSchema } from '@aiops/core';
import { readDeadLetters } from '../dead-letter.js';
import type { CliCommand, CliIo } from './command.js';
import { REPLAYABLE_STAGES, replayDeadLetters } from './deadletter-replay.js';
import { loadOrReport, reportConfigError } from './run-command.js';

const USAGE = `Usage: aiops deadletter list <file> [--stage <stage>] [--json]
       aiops deadletter replay <file> --config <file> [--out <file>] [--remove-replayed] [--stage <stage>] [--dry-run] [--json]

list: what a pipeline could not process, from an NDJSON dead-letter file (deadLetters.file of the
config, NdjsonDeadLetterSink): when, at which stage, which plugin, why, and where it came from.

replay: after a fix (a decoder added, a detector repaired), sends the dead-lettered records that
kept their payload (stages ${REPLAYABLE_STAGES.join(', ')}) through the pipeline of --config again,
one at a time. Records processed cleanly are done; those that fail again are written to a new
dead-letter file with their new reasons. The original file is left as it is unless
--remove-replayed, which rewrites it atomically without the replayed records (every other line,
and anything appended meanwhile, is kept). Exits 1 when any record failed again.

Options:
  --stage <stage>      only one stage: ${DeadLetterStageSchema.options.join(', ')}
  --json               list: one JSON record a line; replay: the report as one JSON object
  -c, --config <file>  replay: the config of the pipeline to replay through
  --out <file>         replay: where records that fail again go (default: beside the file,
                       <name>.replay-<time>.ndjson)
  --remove-replayed    replay: drop the replayed records from the original file afterwards
  --dry-run            replay: executor in dry-run, console notifier, memory store
  -h, --help           this text
`;

/** `aiops deadletter list|replay`: reads a dead-letter file, or re-submits its records after a fix. */
export const deadletterCommand: CliCommand = {
  name: 'deadletter',
  summary: 'list the records a pipeline dead-lettered, or replay them through the pipeline after a fix',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        stage: { type: 'string' },
        json: { type: 'boolean', default: false },
        config: { type: 'string', short: 'c' },
        out: { type: 'string' },
        'remove-replayed': { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    const [action, file] = positionals;
    if ((action !== 'list' && action !== 'replay') || !file || positionals.length > 2) {
      io.err(`aiops deadletter: expected "list <file>" or "replay <file> --config <file>"\n\n${USAGE}`);
      return 2;
    }
    if (values.stage !== undefined && !DeadLetterStageSchema.safeParse(values.stage).success) {
      io.err(`aiops deadletter: unknown stage "${values.stage}"\n\n${USAGE}`);
      return 2;
    }
    const stage = values.stage as DeadLetterStage | undefined;
    if (action === 'list') {
      if (values.config || values.out || values['remove-replayed'] || values['dry-run']) {
        io.err(`aiops deadletter list: --config, --out, --remove-replayed and --dry-run are for replay\n\n${USAGE}`);
        return 2;
      }
      return list(file, stage, values.json, io);
    }
    if (!values.config) {
      io.err(`aiops deadletter replay: --config <file> is required (the pipeline to replay through)\n\n${USAGE}`);
      return 2;
    }
    const loaded = await loadOrReport(values.config, io);
    if (!loaded) return 1;
    let report: Awaited<ReturnType<typeof replayDeadLetters>>;
    try {
      report = await replayDeadLetters(loaded, {
        file,
        ...(values.out ? { out: values.out } : {}),
        ...(stage ? { stage } : {}),
        removeReplayed: values['remove-replayed'],
        dryRun: values['dry-run'],
        write: values.json ? io.err : io.out,
      });
    } catch (err) {
      reportConfigError(err, io);
      return 1;
    }
    if (values.json) {
      io.out(`${JSON.stringify(report)}\n`);
    } else {
      const lines = [
        `replayed ${report.replayed} record(s) from ${report.file}: ${report.processed} processed, ${report.failedAgain} failed again`,
      ];
      for (const r of report.reasons) lines.push(`  ${r.id}  ${r.stage}  ${r.reason}`);
      if (report.failedAgain > 0) lines.push(`records that failed again: ${report.out}`);
      for (const [why, n] of Object.entries(report.skippedReasons)) lines.push(`skipped ${n}: ${why}`);
      if (report.unreadable > 0) lines.push(`${report.unreadable} unreadable line(s) left as they are`);
      lines.push(
        report.removed
          ? `${report.file} rewritten without the ${report.replayed} replayed record(s)`
          : `${report.file} left as it was${report.replayed > 0 ? ' (--remove-replayed drops the replayed records)' : ''}`,
      );
      io.out(`${lines.join('\n')}\n`);
    }
    return report.failedAgain > 0 ? 1 : 0;
  },
};

async function list(file: string, stage: DeadLetterStage | undefined, json: boolean, io: CliIo): Promise<number> {
  const { records, errors } = await readDeadLetters(file);
  const shown = stage === undefined ? records : records.filter((r) => r.stage === stage);
  for (const r of shown) {
    if (json) {
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
  if (!json)
    io.out(`${shown.length} dead letter(s)${errors.length > 0 ? `, ${errors.length} unreadable line(s)` : ''}\n`);
  return errors.length > 0 ? 1 : 0;
}
