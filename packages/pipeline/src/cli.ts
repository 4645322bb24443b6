import { runCli } from './cli/main.js';

// The `aiops` executable. Exit codes: 0 done, 1 failed, 2 bad usage.
const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  errIsTTY: process.stderr.isTTY === true,
});
process.exitCode = code;
