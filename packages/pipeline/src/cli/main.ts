import { createRequire } from 'node:module';
import type { CliCommand, CliIo } from './command.js';
import { deadletterCommand } from './deadletter-command.js';
import { demoCommand } from './demo-command.js';
import { replayCommand } from './replay-command.js';
import { runCommand } from './run-command.js';
import { runbooksCommand } from './runbooks-command.js';

/**
 * Every `aiops` subcommand.
 *
 * @example
 * ```ts
 * import { COMMANDS } from '@aiops/pipeline';
 * for (const command of COMMANDS) console.log(`${command.name}: ${command.summary}`);
 * ```
 */
export const COMMANDS: readonly CliCommand[] = [
  runCommand,
  replayCommand,
  deadletterCommand,
  runbooksCommand,
  demoCommand,
];

function version(): string {
  try {
    const require = createRequire(import.meta.url);
    for (const rel of ['../../package.json', '../package.json']) {
      try {
        return (require(rel) as { version: string }).version;
      } catch {
        // try the next layout (src/cli or dist)
      }
    }
  } catch {
    // fall through
  }
  return 'unknown';
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `Usage: aiops <command> [options]

@aiops: a self-healing operations loop for your services on AWS.

Commands:
${lines.join('\n')}

Run "aiops <command> --help" for a command's options.
`;
}

/**
 * Runs the `aiops` command line with `argv` (without the node and script paths) and resolves with the
 * exit code. Errors in arguments print the command's usage and exit 2.
 *
 * @example
 * ```ts
 * import { runCli } from '@aiops/pipeline';
 * const code = await runCli(['--help'], { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) });
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    io.out(overview());
    return first === undefined ? 2 : 0;
  }
  if (first === '-v' || first === '--version') {
    io.out(`${version()}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) {
    io.err(`aiops: unknown command "${first}"\n\n${overview()}`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`aiops ${command.name}: ${message}\n\n${command.usage}`);
      return 2;
    }
    io.err(`aiops ${command.name}: ${message}\n`);
    return 1;
  }
}
