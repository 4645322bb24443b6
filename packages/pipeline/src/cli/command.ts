/**
 * Where a command writes, so tests can capture it.
 *
 * @example
 * ```ts
 * import { type CliIo, runCli } from '@aiops/pipeline';
 * // Capture what a command prints, e.g. to assert on it in a test.
 * let printed = '';
 * const io: CliIo = { out: (text) => { printed += text; }, err: (text) => { printed += text; } };
 * const code = await runCli(['--help'], io);
 * ```
 */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Whether `err` is a terminal: progress is then a bar redrawn in place, otherwise plain lines. */
  readonly errIsTTY?: boolean;
}

/**
 * One `aiops` subcommand. Later packages register theirs in `commands.ts`; each answers `--help`.
 *
 * @example
 * ```ts
 * import type { CliCommand } from '@aiops/pipeline';
 * const hello: CliCommand = {
 *   name: 'hello', summary: 'says hello', usage: 'aiops hello',
 *   async run(_args, io) { io.out('hello\n'); return 0; },
 * };
 * ```
 */
export interface CliCommand {
  readonly name: string;
  /** One line for `aiops --help`. */
  readonly summary: string;
  /** The full `aiops <name> --help` text. */
  readonly usage: string;
  /** Runs the command; resolves with the exit code. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}
