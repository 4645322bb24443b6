#!/usr/bin/env node
// The `aiops-runbooks` command: a thin shim over the built package (run `pnpm build` first).
import { runRunbooksCli } from '../dist/index.js';

const code = await runRunbooksCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
process.exitCode = code;
