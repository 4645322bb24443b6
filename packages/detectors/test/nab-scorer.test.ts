import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadNabCorpus, loadNabResults } from '../../../scripts/detectors/nab-data.js';
import { runOnNab } from '../../../scripts/detectors/nab-run.js';
import { createAdaptiveDetector, nabProbation, nabScaledSigmoid, scoreNab } from '../src/index.js';

const DATA = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
const haveData = existsSync(`${DATA}nab/labels/combined_windows.json`) && existsSync(`${DATA}nab-reference`);

describe('NAB scorer on constructed files', () => {
  const minute = 60_000;
  const t = Array.from({ length: 1_000 }, (_, i) => i * minute);
  const windows = [[t[400]!, t[499]!]] as const;
  const at = (rows: number[]) => t.map((_, i) => (rows.includes(i) ? 1 : 0));

  it('gives 0 to the null detector and 100 to a detection at the first row of every window', () => {
    expect(scoreNab([{ name: 'a', timestamps: t, scores: at([]), windows }]).standard!.score).toBe(0);
    expect(scoreNab([{ name: 'a', timestamps: t, scores: at([400]), windows }]).standard!.score).toBeCloseTo(100, 6);
  });

  it('rewards earlier detections inside a window more', () => {
    const early = scoreNab([{ name: 'a', timestamps: t, scores: at([420]), windows }]).standard!.score;
    const late = scoreNab([{ name: 'a', timestamps: t, scores: at([490]), windows }]).standard!.score;
    expect(early).toBeGreaterThan(late);
    expect(late).toBeGreaterThan(50);
  });

  it('ignores rows in the probationary period and counts only the first detection in a window', () => {
    expect(nabProbation(1_000)).toBe(150);
    const inProbation = scoreNab([{ name: 'a', timestamps: t, scores: at([10, 420]), windows }]).standard!;
    const twice = scoreNab([{ name: 'a', timestamps: t, scores: at([420, 430, 440]), windows }]).standard!;
    const once = scoreNab([{ name: 'a', timestamps: t, scores: at([420]), windows }]).standard!;
    expect(inProbation.score).toBeCloseTo(once.score, 9);
    expect(twice.score).toBeCloseTo(once.score, 9);
  });

  it('charges a false positive less right after a window than far from it', () => {
    const near = scoreNab([{ name: 'a', timestamps: t, scores: at([420, 505]), windows }]).standard!;
    const far = scoreNab([{ name: 'a', timestamps: t, scores: at([420, 900]), windows }]).standard!;
    expect(near.raw).toBeGreaterThan(far.raw);
    expect(far.raw).toBeCloseTo(nabScaledSigmoid(-(500 - 420) / 100) / nabScaledSigmoid(-1) - 0.11, 6);
  });

  it('picks the threshold that maximises the raw score', () => {
    const scores = t.map((_, i) => (i === 420 ? 0.9 : i === 800 ? 0.5 : 0.1));
    const r = scoreNab([{ name: 'a', timestamps: t, scores, windows }]).standard!;
    expect(r.threshold).toBe(0.9);
    expect(r.fp).toBe(0);
  });
});

describe.runIf(haveData)('NAB scorer against the published reference', () => {
  const corpus = haveData ? loadNabCorpus(`${DATA}nab`) : [];
  const published = {
    numenta: { standard: 70.101, reward_low_FP_rate: 63.209, reward_low_FN_rate: 74.32 },
    windowedGaussian: { standard: 39.65, reward_low_FP_rate: 20.868, reward_low_FN_rate: 47.41 },
  } as const;
  for (const [detector, expected] of Object.entries(published)) {
    it(`reproduces ${detector} on all three profiles within ±0.05`, () => {
      const results = loadNabResults(`${DATA}nab-reference/${detector}`, detector, corpus);
      const scored = scoreNab(
        corpus.map((s, i) => ({ name: s.name, timestamps: s.timestamps, scores: results[i]!, windows: s.windows })),
      );
      for (const [profile, score] of Object.entries(expected)) {
        expect(Math.abs(scored[profile]!.score - score), `${detector} ${profile}`).toBeLessThanOrEqual(0.05);
      }
    });
  }
});

describe.runIf(haveData)('the default metric detector on NAB', () => {
  it('keeps the score it was benchmarked at (standard 71.31, low FP 64.33, low FN 75.91)', () => {
    const corpus = loadNabCorpus(`${DATA}nab`);
    const scores = runOnNab(createAdaptiveDetector(), corpus);
    const scored = scoreNab(
      corpus.map((s, i) => ({ name: s.name, timestamps: s.timestamps, scores: scores[i]!, windows: s.windows })),
    );
    expect(scored.standard!.score).toBeGreaterThanOrEqual(71.3);
    expect(scored.reward_low_FP_rate!.score).toBeGreaterThanOrEqual(64.3);
    expect(scored.reward_low_FN_rate!.score).toBeGreaterThanOrEqual(75.9);
  });
});
