/**
 * `pnpm bench:logs -- [--data <folder>]` (default `../shared/data/loghub-2k`): for every
 * `<S>/<S>_2k.log_structured.csv` in the folder, mines templates from the `Content` column with
 * the default configuration (one miner per system, nothing about the system passed in) and computes
 * grouping accuracy against `EventId`, then the miner's throughput on one core (lines per second of
 * CPU time, and against splitting the same lines on spaces in the same run). Prints one JSON object.
 */
import { loadavg } from 'node:os';
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
// template is discovered again). Rates are per second of this process's CPU time: the machine is
// shared, and wall time would measure the neighbours too (it is printed as well, with the load).
// The baseline, in the same run, is splitting each line on spaces: the least any miner must do.
function rate(run: () => number): { cpu: number; wall: number } {
  run(); // warm-up
  let lines = 0;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  while (performance.now() - started < 1_500) lines += run();
  const cpu = process.cpuUsage(cpu0);
  return {
    cpu: Math.round(lines / ((cpu.user + cpu.system) / 1e6)),
    wall: Math.round(lines / ((performance.now() - started) / 1_000)),
  };
}
const warm = systems.map(() => createTemplateMiner());
const running = rate(() => {
  let n = 0;
  systems.forEach((s, i) => {
    const miner = warm[i]!;
    for (const line of s.contents) miner.add(line);
    n += s.contents.length;
  });
  return n;
});
const cold = rate(() => {
  let n = 0;
  for (const s of systems) {
    const miner = createTemplateMiner();
    for (const line of s.contents) miner.add(line);
    n += s.contents.length;
  }
  return n;
});
let words = 0;
const split = rate(() => {
  let n = 0;
  for (const s of systems) {
    for (const line of s.contents) words += line.split(' ').length;
    n += s.contents.length;
  }
  return n;
});

console.log(
  JSON.stringify({
    datasets,
    meanGA: Math.round(meanGA * 1_000) / 1_000,
    linesPerSec: running.cpu,
    coldLinesPerSec: cold.cpu,
    baseline: { splitLinesPerSec: split.cpu, words },
    vsSplit: {
      running: Math.round((running.cpu / split.cpu) * 100) / 100,
      cold: Math.round((cold.cpu / split.cpu) * 100) / 100,
    },
    wall: { linesPerSec: running.wall, coldLinesPerSec: cold.wall },
    // Issue #4's targets: one default configuration, on one core.
    targets: {
      meanGA: { target: '>= 0.9', met: meanGA >= 0.9 },
      linesPerSec: { target: '>= 1000000', met: running.cpu >= 1_000_000 },
    },
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
  }),
);
