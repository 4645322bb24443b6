/**
 * The script's own arguments. `pnpm bench:x -- --data dir` hands the script a leading `--`, which
 * `parseArgs` would take as the end of options: it is dropped.
 */
export function scriptArgs(argv: readonly string[] = process.argv.slice(2)): string[] {
  return argv[0] === '--' ? argv.slice(1) : [...argv];
}
