/**
 * `pnpm bench:nab -- [--data <nab folder>] [--out <folder>]`: runs the default metric detector
 * (`createAdaptiveDetector`, one configuration for every series) over every NAB series, streaming,
 * writes the results in the benchmark's own layout (`<out>/<name>/<category>/<name>_<file>.csv`,
 * `timestamp,value,anomaly_score`), scores them with our NAB scorer and prints one JSON object.
 *
 * The reported `anomaly_score` of a row is the detector's score where it exceeds every score of the
 * previous 100 rows of that series, and 0 elsewhere: the moments the detector would open a finding
 * (it does not fire again while it is already firing), without fixing a threshold before NAB
 * chooses one. Nothing about a file (name, labels, length) reaches the detector.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createAdaptiveDetector, scoreNab } from '@aiops/detectors';
import { loadNabCorpus } from './detectors/nab-data.js';
import { onsetScores } from './detectors/onset.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/nab' },
    out: { type: 'string', default: join(tmpdir(), 'aiops-bench-nab') },
  },
});
const NAME = 'aiops_adaptive';
const corpus = loadNabCorpus(values.data);
const detector = createAdaptiveDetector();

const started = performance.now();
const raw = corpus.map((s) => {
  const out = new Float64Array(s.values.length);
  for (let i = 0; i < s.values.length; i++) out[i] = detector.score(s.name, s.timestamps[i]!, s.values[i]!);
  return out;
});
const elapsedMs = performance.now() - started;
const points = corpus.reduce((n, s) => n + s.values.length, 0);
const reported = raw.map((scores) => onsetScores(scores, 100));

for (const [i, s] of corpus.entries()) {
  const dir = join(values.out, NAME, s.category);
  mkdirSync(dir, { recursive: true });
  const rows = s.rawTimestamps.map((t, j) => `${t},${s.values[j]},${reported[i]![j]}`);
  writeFileSync(join(dir, `${NAME}_${s.file}`), `timestamp,value,anomaly_score\n${rows.join('\n')}\n`);
}

const scoringStarted = performance.now();
const scored = scoreNab(
  corpus.map((s, i) => ({ name: s.name, timestamps: s.timestamps, scores: reported[i]!, windows: s.windows })),
);
const scoringMs = performance.now() - scoringStarted;
const round = (x: number) => Math.round(x * 100) / 100;
console.log(
  JSON.stringify({
    detector: NAME,
    standard: round(scored.standard!.score),
    reward_low_FP_rate: round(scored.reward_low_FP_rate!.score),
    reward_low_FN_rate: round(scored.reward_low_FN_rate!.score),
    pointsPerSec: Math.round(points / (elapsedMs / 1_000)),
    points,
    series: corpus.length,
    detectMs: Math.round(elapsedMs),
    scoreMs: Math.round(scoringMs),
    thresholds: {
      standard: Number(scored.standard!.threshold.toFixed(3)),
      reward_low_FP_rate: Number(scored.reward_low_FP_rate!.threshold.toFixed(3)),
      reward_low_FN_rate: Number(scored.reward_low_FN_rate!.threshold.toFixed(3)),
    },
    out: join(values.out, NAME),
  }),
);
