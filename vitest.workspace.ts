import { fileURLToPath } from 'node:url';
import type { TestProjectConfiguration } from 'vitest/config';

/** The workspace packages, each with `src/index.ts` and tests in `test/`. */
export const PACKAGES = [
  'core',
  'pipeline',
  'testing',
  'ingest',
  'detectors',
  'llm-analyzer',
  'runbook-executor',
  'notifiers',
] as const;

/** Source entry of each workspace package, so tests run against `src/` without a build. */
export const aliases: Record<string, string> = Object.fromEntries(
  PACKAGES.map((name) => [
    `@aiops/${name}`,
    fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url)),
  ]),
);

const unit = (name: string, extra: { testTimeout?: number } = {}): TestProjectConfiguration => ({
  extends: true,
  test: {
    name,
    root: `./packages/${name}`,
    include: ['test/**/*.test.ts'],
    ...extra,
  },
});

/**
 * The test projects: one per package, plus the examples' smoke tests. `vitest.config.ts` reads this
 * list into `test.projects` (Vitest 4 no longer reads a workspace file on its own).
 */
export const projects: TestProjectConfiguration[] = [
  ...PACKAGES.map((name) => unit(name, { testTimeout: 60_000 })),
  {
    extends: true,
    test: { name: 'examples', root: './examples', include: ['**/*.test.ts'], testTimeout: 60_000 },
  },
];
