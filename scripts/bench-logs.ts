/**
 * `pnpm bench:logs -- [--data <folder>]` (default `../shared/data/loghub-2k`): for every
 * `<S>/<S>_2k.log_structured.csv` in the folder, mines templates from the `Content` column with
 * the default configuration (one miner per system, nothing about the system passed in) and computes
 * grouping accuracy against `EventId`. Prints one JSON object.
 */
import { parseArgs } from 'node:util';
import { createTemplateMiner, groupingAccuracy } from '@aiops/detectors';
import { scriptArgs } from './detectors/cli-args.js';
import { loadLoghub } from './detectors/loghub-data.js';

const { values } = parseArgs({
  args: scriptArgs(),
  options: { data: { type: 'string', default: '../shared/data/loghub-2k' } },
});
const systems = loadLoghub(values.data);
if (systems.length === 0) throw new Error(`no <S>/<S>_2k.log_structured.csv under ${values.data}`);

const datasets: Record<string, { ga: number; templates: number; truthTemplates: number }> = {};
for (const s of systems) {
  const miner = createTemplateMiner();
  const ids = s.contents.map((line) => miner.add(line).template.id);
  datasets[s.name] = {
    ga: Math.round(groupingAccuracy(s.eventIds, ids) * 1_000) / 1_000,
    templates: new Set(ids).size,
    truthTemplates: new Set(s.eventIds).size,
  };
}
const meanGA = Object.values(datasets).reduce((sum, d) => sum + d.ga, 0) / systems.length;

// Throughput on one core: running miners (one per system, fed its lines again and again, as a
// stream of a service's logs would), and cold miners (a fresh miner for every 2,000 lines, so every
// template is discovered again).
function rate(run: () => number): number {
  let lines = 0;
  const started = performance.now();
  while (performance.now() - started < 1_500) lines += run();
  return Math.round(lines / ((performance.now() - started) / 1_000));
}
const warm = systems.map(() => createTemplateMiner());
const linesPerSec = rate(() => {
  let n = 0;
  systems.forEach((s, i) => {
    const miner = warm[i]!;
    for (const line of s.contents) miner.add(line);
    n += s.contents.length;
  });
  return n;
});
const coldLinesPerSec = rate(() => {
  let n = 0;
  for (const s of systems) {
    const miner = createTemplateMiner();
    for (const line of s.contents) miner.add(line);
    n += s.contents.length;
  }
  return n;
});

console.log(JSON.stringify({ datasets, meanGA: Math.round(meanGA * 1_000) / 1_000, linesPerSec, coldLinesPerSec }));
