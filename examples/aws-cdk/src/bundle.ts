import { cpSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

/** The example's folder (examples/aws-cdk), whatever the working directory. */
export const EXAMPLE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The monorepo root: its tsconfig maps `@aiops/*` to the packages' sources. */
const REPO_ROOT = join(EXAMPLE_DIR, '..', '..');

/**
 * Bundles a consumer entry point and everything it imports (the @aiops packages from source, the
 * AWS SDK clients) into one ES module, with esbuild in this process: no Docker, no prior build.
 * The runbook repository is copied beside it, since the executor reads its catalog from disk.
 */
export function bundleConsumer(entry: string, outDir: string, outFile: string, runbooksDir: string): void {
  mkdirSync(outDir, { recursive: true });
  const result = buildSync({
    entryPoints: [join(EXAMPLE_DIR, entry)],
    outfile: join(outDir, outFile),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    tsconfig: join(REPO_ROOT, 'tsconfig.json'),
    // Some dependencies are CommonJS and call require() on Node built-ins.
    banner: {
      js: "import { createRequire as __aiopsRequire } from 'node:module'; const require = __aiopsRequire(import.meta.url);",
    },
    legalComments: 'none',
    logLevel: 'silent',
  });
  if (result.errors.length > 0) {
    throw new Error(`bundling ${entry} failed: ${result.errors.map((e) => e.text).join('; ')}`);
  }
  cpSync(runbooksDir, join(outDir, 'runbooks'), { recursive: true });
}
