import { runRunbooksCli } from '@aiops/runbook-executor';
import type { CliCommand } from './command.js';

/** `aiops runbooks validate <folder>`: the runbook repository check of `@aiops/runbook-executor`. */
export const runbooksCommand: CliCommand = {
  name: 'runbooks',
  summary: 'validate a runbook repository (schemas, documents, parameter safety)',
  usage: `Usage: aiops runbooks validate <folder> [--strict] [--json] [--runbooks-dir <dir>]

Checks every runbook of a repository (runbooks/*.yaml and the SSM documents beside them): the
format, each parameter's schema and pattern, that no parameter can reach a shell, the documents
they name. Prints file:line:column, the field and the problem; exits 1 when anything is wrong.
`,
  run: (args, io) => runRunbooksCli(args, io, { program: 'aiops runbooks' }),
};
