import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AiopsError } from '@aiops/core';
import { formatIssue } from '@aiops/runbook-executor';
import { buildPipeline } from '../config/build.js';
import { ConfigFileError, type LoadedConfig, loadConfig } from '../config/load.js';
import { redactSecrets } from '../config/redact.js';
import { cliLogger } from './cli-logger.js';
import type { CliCommand, CliIo } from './command.js';

const USAGE = `Usage: aiops run --config <file> [--check] [--json] [--drain-ms <ms>]

Builds a pipeline from a YAML config (sources, decoders, detectors, incidents, analyzer, runbooks,
executor, notifiers, store, dead letters) and runs it until SIGTERM or SIGINT, or until every
source has ended (a file source at the end of its files) and what it caused has been processed.
On a signal it drains: sources stop, records in flight are finished, incident changes committed,
checkpoints written and shard leases handed back; then it exits 0. A second signal exits at once
with 130.

\${NAME} in the config reads an environment variable; a missing one is an error that names it.
Errors name the line, the column and the field: aiops.yaml:14:5: detectors[1].windowMs: ...

Options:
  -c, --config <file>  the config file (see docs/configuration.md)
      --check          validate, build every plugin and print the resolved plan; start nothing
      --json           with --check: the plan and the resolved config (secrets hidden) as JSON
      --drain-ms <ms>  how long the drain may take before in-flight work is aborted (default 30000)
  -h, --help           this text

Exit codes: 0 stopped cleanly (or --check passed), 1 invalid config or a failure, 2 bad usage.
`;

/** `aiops run --config <file>`: a pipeline from a config, drained on SIGTERM / SIGINT. */
export const runCommand: CliCommand = {
  name: 'run',
  summary: 'run a pipeline from a YAML config until SIGTERM (--check validates and prints the plan)',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        config: { type: 'string', short: 'c' },
        check: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        'drain-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
    });
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    const drainMs = values['drain-ms'] === undefined ? 30_000 : Number(values['drain-ms']);
    if (!values.config || positionals.length > 0 || !Number.isInteger(drainMs) || drainMs < 0) {
      io.err(
        `aiops run: ${values.config ? 'bad --drain-ms (milliseconds)' : '--config <file> is required'}\n\n${USAGE}`,
      );
      return 2;
    }
    const loaded = await loadOrReport(values.config, io);
    if (!loaded) return 1;
    if (values.check) return check(loaded, values.json, io);
    return run(loaded, drainMs, io);
  },
};

/** Loads a config, printing its issues (one a line, file:line:column) when it is invalid. */
export async function loadOrReport(file: string, io: CliIo): Promise<LoadedConfig | undefined> {
  try {
    return await loadConfig(file);
  } catch (err) {
    reportConfigError(err, io);
    return undefined;
  }
}

/** Prints a config error the way compilers do; other errors by their message. */
export function reportConfigError(err: unknown, io: CliIo): void {
  if (err instanceof ConfigFileError) {
    io.err(`${err.message}\n${err.issues.length} problem(s) in ${err.file}\n`);
    return;
  }
  io.err(`${err instanceof Error ? err.message : String(err)}\n`);
}

async function check(loaded: LoadedConfig, json: boolean, io: CliIo): Promise<number> {
  let built: Awaited<ReturnType<typeof buildPipeline>>;
  try {
    built = await buildPipeline(loaded, { check: true });
  } catch (err) {
    reportConfigError(err, io);
    return 1;
  }
  const plan = [...built.plan];
  let code = 0;
  // A file source with a missing file would retry for ever once running: say so now.
  const base = dirname(resolve(loaded.file));
  for (const source of loaded.config.sources) {
    if (source.type !== 'file') continue;
    for (const p of typeof source.paths === 'string' ? [source.paths] : source.paths) {
      const path = resolve(base, p);
      try {
        await access(path, constants.R_OK);
      } catch {
        plan.push(`problem: source ${source.name ?? 'file'} cannot read ${path}`);
        code = 1;
      }
    }
  }
  if (loaded.config.runbooks?.type === 'folder' && built.catalog) {
    // Reading a local folder is cheap and catches a broken runbook before the first incident does.
    try {
      await built.catalog.ready();
      const issues = built.catalog.issues();
      plan.push(
        `runbooks loaded: ${built.catalog.list().length}${issues.length ? `, ${issues.length} problem(s)` : ''}`,
      );
      for (const i of issues) plan.push(`  ${formatIssue(i)}`);
      if (issues.some((i) => i.severity === 'error')) code = 1;
    } catch (err) {
      plan.push(`runbooks: cannot load: ${err instanceof Error ? err.message : String(err)}`);
      code = 1;
    }
  }
  if (json) {
    io.out(
      `${JSON.stringify({ file: loaded.file, ok: code === 0, plan, config: redactSecrets(loaded.config) }, null, 2)}\n`,
    );
  } else {
    io.out(
      `${loaded.file}: ${code === 0 ? 'valid' : 'valid, with problems'}\n${plan.map((l) => `  ${l}`).join('\n')}\n`,
    );
  }
  return code;
}

async function run(loaded: LoadedConfig, drainMs: number, io: CliIo): Promise<number> {
  const logger = cliLogger(io.err, loaded.config.logging?.level ?? 'info');
  // Signals are taken from the start: a stop asked for while the pipeline is being built still drains.
  let signals = 0;
  let requested: string | undefined;
  let stopReason: ((why: string) => void) | undefined;
  const stopRequested = new Promise<string>((resolve) => {
    stopReason = resolve;
  });
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      io.err(`aiops run: ${sig} again, exiting without finishing the drain\n`);
      process.exit(130);
    }
    requested = sig;
    stopReason?.(sig);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // Core timers are unref'd: without a handle of our own the process would exit under a running pipeline.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    let built: Awaited<ReturnType<typeof buildPipeline>>;
    try {
      built = await buildPipeline(loaded, { logger });
    } catch (err) {
      reportConfigError(err, io);
      return 1;
    }
    const { pipeline } = built;
    // Failures are logged by the pipeline itself (its logger is this one); dead letters only at debug.
    pipeline.on('deadLetter', (r) => logger.debug(`dead letter (${r.stage}): ${r.reason}`, { id: r.id }));
    pipeline.on('incident', (c) => {
      if (c.type !== 'updated')
        logger.info(`incident ${c.type}: ${c.incident.title}`, { fingerprint: c.incident.fingerprint });
    });
    try {
      if (requested === undefined) {
        await built.start();
        logger.info('pipeline running', { plan: built.plan });
      }
      const why = await Promise.race([stopRequested, pipeline.drained().then(() => 'every source ended')]);
      logger.info(`stopping (${why}): draining for at most ${drainMs} ms`);
      await built.stop(drainMs);
      const s = pipeline.stats();
      logger.info('stopped', {
        deliveries: s.deliveries,
        findings: s.findings,
        incidents: s.incidents,
        deadLetters: s.deadLetters,
        uncommittedDeliveries: s.uncommittedDeliveries,
      });
      return 0;
    } catch (err) {
      logger.error(
        `pipeline failed: ${AiopsError.is(err) ? err.message : err instanceof Error ? err.message : String(err)}`,
      );
      await built.stop(drainMs).catch(() => undefined);
      return 1;
    }
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    clearInterval(keepAlive);
  }
}
