/**
 * The first demo: replays a service's logs (with an error burst) through `createPipeline`, with a
 * twenty-line error-rate detector and a console notifier. It prints the incident opening and
 * resolving, and the dead-lettered malformed line.
 *
 *   corepack pnpm demo            (from the repository root)
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MemoryStateStore } from '@aiops/core';
import { createPipeline, type PipelineStats } from '@aiops/pipeline';
import { consoleNotifier } from './console-notifier.js';
import { errorRateDetector } from './error-rate-detector.js';
import { lineFileSource } from './file-source.js';
import { ndjsonLogDecoder } from './ndjson-log-decoder.js';

export const DEFAULT_LOG_FILE = fileURLToPath(new URL('./service-logs.ndjson', import.meta.url));

export async function runFirstDemo(
  file = DEFAULT_LOG_FILE,
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

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now();
  const stats = await runFirstDemo(process.argv[2]);
  const ms = Math.round(performance.now() - started);
  console.log(
    `replayed ${stats.deliveries.received} lines in ${ms} ms: ${stats.signals} signals, ${stats.findings} findings, ` +
      `${stats.incidents.created} incident(s) opened and ${stats.incidents.resolved} resolved, ${stats.deadLetters} dead letter(s)`,
  );
}
