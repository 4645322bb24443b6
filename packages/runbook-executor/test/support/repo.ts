import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RepositoryFiles } from '../../src/index.js';

/** The example runbook repository of this monorepo. */
export const EXAMPLES = fileURLToPath(new URL('../../../../examples/runbooks', import.meta.url));

/** Repository files held in memory. */
export function memoryRepo(files: Readonly<Record<string, string>>): RepositoryFiles {
  return { list: async () => Object.keys(files), read: async (p) => files[p] };
}

/** Writes files into a fresh temporary folder and returns it. */
export async function tempRepo(files: Readonly<Record<string, string>>, prefix = 'rbx-repo-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

/** A small valid local runbook, with overrides appended as YAML lines. */
export function localRunbook(id: string, extra = ''): string {
  return `id: ${id}
title: ${id}
risk: low
parameters:
  type: object
  required: [service]
  properties:
    service: { type: string, pattern: '^[a-z0-9-]{1,32}$' }
target:
  service: '{{ service }}'
action:
  type: local
  argv: [node, -e, 'console.log(process.argv[1])', '{{ service }}']
${extra}`;
}

/**
 * A local runbook that appends its `service` to the file named by RUNS_FILE (set in the local
 * driver's env), so a test can count runs.
 */
export function countingRunbook(id: string, extra = ''): string {
  return `id: ${id}
title: ${id}
risk: low
parameters:
  type: object
  required: [service]
  properties:
    service: { type: string, pattern: '^[a-z0-9-]{1,32}$' }
inputs:
  service: [proposal, incident.labels.service]
target:
  service: '{{ service }}'
action:
  type: local
  argv: [node, -e, 'require("fs").appendFileSync(process.env.RUNS_FILE, process.argv[1] + "\\n")', '{{ service }}']
${extra}`;
}
