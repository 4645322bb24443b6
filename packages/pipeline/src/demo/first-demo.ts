/**
 * The first demo: replays a service's logs (with an error burst) through `createPipeline`, with a
 * twenty-line error-rate detector and a console notifier. It prints the incident opening and
 * resolving, and the dead-lettered malformed line.
 *
 *   corepack pnpm demo            (from the repository root)
 *   npx aiops demo                (from an installed @aiops/pipeline)
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MemoryStateStore } from '@aiops/core';
import { createPipeline } from '../pipeline.js';
import type { PipelineStats } from '../stats.js';
import { consoleNotifier } from './console-notifier.js';
import { errorRateDetector } from './error-rate-detector.js';
import { lineFileSource } from './line-file-source.js';
import { ndjsonLogDecoder } from './ndjson-log-decoder.js';

/** The bundled log file: `assets/` sits beside `src/` in the repository and beside `dist/` when published. */
export function defaultLogFile(): string {
  for (const rel of ['../../assets/service-logs.ndjson', '../assets/service-logs.ndjson']) {
    const file = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(file)) return file;
  }
  throw new Error('the demo log file assets/service-logs.ndjson is missing from @aiops/pipeline');
}

/** Runs the first demo over `file`, writing what the console notifier says to `write`. */
export async function runFirstDemo(
  file = defaultLogFile(),
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<PipelineStats> {
  const pipeline = createPipeline({
    sources: [lineFileSource(file)],
    decoders: [ndjsonLogDecoder],
    detectors: [errorRateDetector()],
    notifiers: [consoleNotifier(write)],
    store: new MemoryStateStore(),
  });
  pipeline.on('deadLetter', (record) => write(`[dead-letter] ${record.reason}`));
  await pipeline.start();
  await pipeline.drained();
  await pipeline.stop({ deadlineMs: 5_000 });
  return pipeline.stats();
}
