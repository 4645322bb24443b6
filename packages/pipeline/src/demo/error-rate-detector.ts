import { defineDetector, seriesKeyOf } from '@aiops/core';

/**
 * Flags a service whose share of error lines in a tumbling event-time window reaches `threshold`.
 * Twenty lines with no baseline and no evidence test: `pnpm bench:pipeline` runs it as the cheap
 * detector its fast-path figures are measured with. The demo uses `@aiops/detectors` instead.
 */
export const errorRateDetector = ({ windowMs = 10_000, threshold = 0.2, minLines = 20 } = {}) => {
  const windows = new Map<string, { start: number; lines: number; errors: number; firing: boolean }>();
  return defineDetector({
    name: 'demo-error-rate',
    signalTypes: ['log'],
    observe(s) {
      if (s.type !== 'log') return;
      const seriesKey = seriesKeyOf(s);
      const start = s.timestamp - (s.timestamp % windowMs);
      const w = windows.get(seriesKey) ?? { start, lines: 0, errors: 0, firing: false };
      windows.set(seriesKey, w);
      const [closed, wasFiring, closedStart] = [start > w.start, w.firing, w.start];
      const ratio = w.errors / Math.max(1, w.lines);
      const bad = w.lines >= minLines && ratio >= threshold;
      if (closed) Object.assign(w, { start, lines: 0, errors: 0, firing: bad });
      w.lines += 1;
      if (s.level === 'error' || s.level === 'fatal') w.errors += 1;
      if (!closed || (!bad && !wasFiring)) return;
      const status = bad ? 'firing' : 'resolved';
      // biome-ignore format: a finding on one line keeps the detector within twenty lines.
      return { detector: 'demo-error-rate', seriesKey, kind: 'error-rate-spike', status, score: Math.min(1, 0.5 + ratio), title: `${s.service} error rate ${(ratio * 100).toFixed(1)}%`, startedAt: closedStart, at: start - 1, labels: { service: s.service ?? '' }, evidence: [] };
    },
  });
};
