import { FindingSchema, ManualClock } from '@aiops/core';
import { runDetectorContract } from '@aiops/testing';
import { describe, expect, it } from 'vitest';
import { classifyLogLine, createErrorRateDetector, errorEvidence } from '../src/index.js';
import { flushAfter, incidentProtocolProblems, line, play, prng, T0 } from './support/series.js';

/**
 * An access log at `rps` requests a second for `seconds`, with an error ratio of `base`, or `spike`
 * between `from` and `to` seconds. Lines alternate between two tasks' log streams.
 */
function traffic(o: {
  rps: number;
  seconds: number;
  base: number;
  spike?: number;
  from?: number;
  to?: number;
  seed?: number;
}) {
  const rnd = prng(o.seed ?? 5);
  const out = [];
  for (let i = 0; i < o.rps * o.seconds; i++) {
    const ms = Math.round((i * 1_000) / o.rps);
    const inSpike = o.spike !== undefined && ms >= (o.from ?? 0) * 1_000 && ms < (o.to ?? 0) * 1_000;
    const error = rnd() < (inSpike ? o.spike! : o.base);
    const path = `/cart/${Math.floor(rnd() * 1_000)}`;
    const message = error
      ? `GET ${path} 503 ${Math.floor(rnd() * 30)}ms`
      : `GET ${path} 200 ${Math.floor(rnd() * 30)}ms`;
    out.push(line(T0 + ms, message, { level: 'info', logStream: `task/${i % 2}` }));
  }
  return out;
}

const secondsAfterStart = (at: number) => (at - T0) / 1_000;

describe('error-rate: the spike of the seed example', () => {
  it('fires within one window of the spike and resolves when the rate is back to normal', () => {
    const d = createErrorRateDetector({ windowMs: 5_000 });
    const clock = new ManualClock(T0);
    const signals = traffic({ rps: 30, seconds: 150, base: 0.01, spike: 0.3, from: 60, to: 90 });
    const out = [...play(d, signals, { clock, flushEveryMs: 1_000 }), ...flushAfter(d, clock, 30_000)];
    const firing = out.filter((f) => f.status === 'firing');
    const resolved = out.filter((f) => f.status === 'resolved');
    expect(secondsAfterStart(firing[0]!.at)).toBeGreaterThanOrEqual(60);
    expect(secondsAfterStart(firing[0]!.at)).toBeLessThan(65);
    expect(resolved).toHaveLength(1);
    expect(secondsAfterStart(resolved[0]!.at)).toBeGreaterThanOrEqual(90);
    expect(secondsAfterStart(resolved[0]!.at)).toBeLessThanOrEqual(90 + 3 * 5);
    expect(firing.every((f) => f.at < resolved[0]!.at)).toBe(true);
    expect(resolved[0]!.startedAt).toBe(firing[0]!.startedAt);
    expect(incidentProtocolProblems(out)).toEqual([]);
  });

  it('opens and closes one incident per spike, spike after spike', () => {
    const d = createErrorRateDetector({ windowMs: 5_000 });
    const clock = new ManualClock(T0);
    const first = traffic({ rps: 30, seconds: 120, base: 0.01, spike: 0.4, from: 40, to: 60, seed: 31 });
    const second = traffic({ rps: 30, seconds: 120, base: 0.01, spike: 0.4, from: 40, to: 60, seed: 32 }).map((s) => ({
      ...s,
      timestamp: s.timestamp + 120_000,
    }));
    const out = [...play(d, [...first, ...second], { clock, flushEveryMs: 1_000 }), ...flushAfter(d, clock, 30_000)];
    expect(incidentProtocolProblems(out)).toEqual([]);
    const onsets = out.filter((f, i) => f.status === 'firing' && (i === 0 || out[i - 1]!.status === 'resolved'));
    expect(onsets.map((f) => Math.floor(secondsAfterStart(f.at) / 10))).toEqual([4, 16]);
    expect(out.filter((f) => f.status === 'resolved')).toHaveLength(2);
  });

  it('gives a finding an SRE can act on: service labels, title, error templates with samples, HTTP statuses', () => {
    const signals = traffic({ rps: 30, seconds: 90, base: 0.01, spike: 0.4, from: 60, to: 90 });
    const [f] = play(createErrorRateDetector({ windowMs: 5_000 }), signals).filter((x) => x.status === 'firing');
    expect(FindingSchema.safeParse(f).success).toBe(true);
    expect(f).toMatchObject({
      detector: 'error-rate',
      seriesKey: 'log:checkout',
      kind: 'error-rate-spike',
      labels: { service: 'checkout', logGroup: '/ecs/checkout' },
    });
    expect(f!.title).toMatch(/^checkout error rate \d+(\.\d+)?% \(\d+ of \d+ lines in [\d.]+s; baseline [\d.]+%\)$/);
    const log = f!.evidence.find((e) => e.type === 'log');
    expect(log).toMatchObject({ template: 'GET <PATH> <NUM> <DURATION>', level: 'error' });
    if (log?.type === 'log') expect(log.samples[0]).toMatch(/^GET \/cart\/\d+ 503 \d+ms$/);
    expect(f!.evidence.find((e) => e.type === 'note')).toMatchObject({ text: expect.stringMatching(/503×\d+/) });
    expect(f!.score).toBeGreaterThan(0.5);
  });

  it('keeps the incident alive with a fresh finding each window while the spike lasts', () => {
    const signals = traffic({ rps: 30, seconds: 120, base: 0.01, spike: 0.5, from: 40, to: 100 });
    const firing = play(createErrorRateDetector({ windowMs: 5_000 }), signals).filter((f) => f.status === 'firing');
    expect(firing.length).toBeGreaterThanOrEqual(10);
    const ats = firing.map((f) => f.at);
    expect([...ats].sort((a, b) => a - b)).toEqual(ats);
    expect(new Set(ats).size).toBe(ats.length);
  });

  it('works at low volume: 20 requests a second with 5-second windows, a spike from 2% to 25%', () => {
    const signals = traffic({ rps: 20, seconds: 240, base: 0.02, spike: 0.25, from: 100, to: 160, seed: 9 });
    const out = play(createErrorRateDetector({ windowMs: 5_000 }), signals);
    const first = out.find((f) => f.status === 'firing')!;
    expect(secondsAfterStart(first.at)).toBeGreaterThanOrEqual(100);
    expect(secondsAfterStart(first.at)).toBeLessThan(105);
    expect(out.some((f) => f.status === 'resolved')).toBe(true);
  });

  it('catches a modest spike at low volume (2% to 12%, 20 requests a second) within two windows', () => {
    for (const seed of [9, 10, 11]) {
      const signals = traffic({ rps: 20, seconds: 240, base: 0.02, spike: 0.12, from: 100, to: 160, seed });
      const first = play(createErrorRateDetector({ windowMs: 5_000 }), signals).find((f) => f.status === 'firing')!;
      expect(secondsAfterStart(first.at)).toBeGreaterThanOrEqual(100);
      expect(secondsAfterStart(first.at)).toBeLessThan(115);
    }
  });
});

describe('error-rate: quiet on normal noise', () => {
  it('no finding over two hours at 40 requests a second with a 3% error rate', () => {
    const signals = traffic({ rps: 40, seconds: 7_200, base: 0.03, seed: 21 });
    expect(play(createErrorRateDetector({ windowMs: 5_000 }), signals)).toEqual([]);
  });

  it('no finding when a handful of errors come on a tiny volume', () => {
    const signals = [
      ...traffic({ rps: 2, seconds: 60, base: 0 }),
      ...Array.from({ length: 4 }, (_, i) => line(T0 + 61_000 + i, 'GET /x 500 3ms')),
    ];
    expect(play(createErrorRateDetector({ windowMs: 5_000, warmupWindows: 1 }), signals)).toEqual([]);
  });

  it('waits for its warm-up: a service that always fails 8% of requests is its own normal', () => {
    const signals = traffic({ rps: 40, seconds: 600, base: 0.08, seed: 4 });
    expect(play(createErrorRateDetector({ windowMs: 5_000 }), signals)).toEqual([]);
  });
});

describe('error-rate: windows in event time', () => {
  const base = () => traffic({ rps: 20, seconds: 60, base: 0.01, seed: 2 });

  it('counts a line whose window has closed as late, and does not use it', () => {
    const d = createErrorRateDetector({ windowMs: 5_000, allowedLatenessMs: 1_000 });
    const signals = [...base(), line(T0 + 10_000, 'GET /late 503 1ms')];
    play(d, signals);
    expect(d.stats()).toMatchObject({ late: 1, lines: signals.length - 1 });
  });

  it('takes lines out of order within the allowed lateness', () => {
    const d = createErrorRateDetector({ windowMs: 5_000, allowedLatenessMs: 2_000 });
    const signals = base();
    const swapped = [...signals];
    [swapped[300], swapped[310]] = [swapped[310]!, swapped[300]!];
    play(d, swapped);
    expect(d.stats().late).toBe(0);
  });

  it('closes the windows of a service that went quiet from the clock, and resolves it', () => {
    const d = createErrorRateDetector({ windowMs: 5_000, warmupWindows: 1 });
    const clock = new ManualClock(T0);
    const spike = traffic({ rps: 30, seconds: 40, base: 0.01, spike: 0.5, from: 20, to: 40 });
    const recovered = traffic({ rps: 30, seconds: 10, base: 0 }).map((s) => ({
      ...s,
      timestamp: s.timestamp + 40_000,
    }));
    const out = play(d, [...spike, ...recovered], { clock });
    expect(out.some((f) => f.status === 'firing')).toBe(true);
    expect(out.some((f) => f.status === 'resolved')).toBe(false);
    const later = flushAfter(d, clock, 20_000);
    expect(later.map((f) => f.status)).toEqual(['resolved']);
  });

  it('empty windows neither teach the baseline nor resolve a firing series', () => {
    const d = createErrorRateDetector({ windowMs: 5_000 });
    const spike = traffic({ rps: 30, seconds: 60, base: 0.01, spike: 0.5, from: 40, to: 60 });
    const clock = new ManualClock(T0);
    play(d, spike, { clock });
    expect(flushAfter(d, clock, 60_000).filter((f) => f.status === 'resolved')).toEqual([]);
    const back = traffic({ rps: 30, seconds: 1, base: 0.5 }).map((s) => ({ ...s, timestamp: s.timestamp + 125_000 }));
    const out = play(d, back, { clock });
    expect(out.every((f) => f.status !== 'resolved')).toBe(true);
  });

  it('with maxFutureSkewMs, ignores lines stamped far ahead of the clock, and counts them', () => {
    const d = createErrorRateDetector({ maxFutureSkewMs: 600_000 });
    const clock = new ManualClock(T0);
    d.observe(line(T0 + 3_600_000, 'GET /x 500 1ms'), { clock, logger: console });
    expect(d.stats()).toMatchObject({ future: 1, lines: 0, series: 0 });
  });
});

describe('error-rate: series and state', () => {
  it('keeps one baseline per service', () => {
    const a = traffic({ rps: 20, seconds: 120, base: 0.01, spike: 0.5, from: 60, to: 120 });
    const b = traffic({ rps: 20, seconds: 120, base: 0.01, seed: 8 }).map((s) => ({
      ...s,
      service: 'search',
      logGroup: '/ecs/search',
    }));
    const merged = [...a, ...b].sort((x, y) => x.timestamp - y.timestamp);
    const found = play(createErrorRateDetector({ windowMs: 5_000 }), merged);
    expect(new Set(found.map((f) => f.labels.service))).toEqual(new Set(['checkout']));
  });

  it('resumes from a JSON snapshot with exactly the findings of an uninterrupted run', () => {
    const signals = traffic({ rps: 30, seconds: 150, base: 0.01, spike: 0.3, from: 60, to: 90 });
    const whole = play(createErrorRateDetector({ windowMs: 5_000 }), signals);
    const first = createErrorRateDetector({ windowMs: 5_000 });
    const before = play(first, signals.slice(0, 2_000));
    const second = createErrorRateDetector({ windowMs: 5_000 });
    second.restore!(JSON.parse(JSON.stringify(first.snapshot!())));
    const after = play(second, signals.slice(2_000));
    expect([...before, ...after]).toEqual(whole);
  });

  it('names the offending option', () => {
    expect(() => createErrorRateDetector({ windowMs: 10 })).toThrow(/windowMs/);
    expect(() => createErrorRateDetector({ minErrorRatio: 2 })).toThrow(/minErrorRatio/);
  });
});

describe('classifyLogLine', () => {
  const c = (message: string, level?: 'info' | 'error' | 'warn') =>
    classifyLogLine({ type: 'log', timestamp: 0, message, ...(level ? { level } : {}) });
  it.each([
    ['GET /cart 503 12ms', 'error'],
    ['GET /cart 200 12ms', 'ok'],
    ['10.0.0.1 - - [10/Oct/2026:13:55:36 +0000] "POST /pay HTTP/1.1" 502 321 "-" "curl"', 'error'],
    ['10.0.0.1 - - [10/Oct/2026:13:55:36 +0000] "GET /a HTTP/1.1" 404 0 "-" "curl"', 'ok'],
    ['{"level":"error","msg":"db down"}', 'error'],
    ['{"severity":"ERROR","message":"x"}', 'error'],
    ['{"level":"info","status":500,"path":"/a"}', 'error'],
    ['{"level":"warn","msg":"slow"}', 'ok'],
    ['2026-11-24T10:00:00Z ERROR [main] connection refused', 'error'],
    ['ts=2026-11-24 level=error msg="payment failed"', 'error'],
    ['java.lang.IllegalStateException: pool exhausted', 'error'],
    ['TypeError: Cannot read properties of undefined', 'error'],
    ['Traceback (most recent call last):', 'error'],
    ['    at Object.<anonymous> (/app/index.js:10:5)', 'continuation'],
    ['\tat com.shop.Cart.add(Cart.java:42)', 'continuation'],
    ['Caused by: java.io.IOException: broken pipe', 'continuation'],
    ['processed 12 items, 0 errors', 'ok'],
    ['method=GET path=/cart status=503 duration=12ms', 'error'],
    ['method=POST path=/pay status_code=201 took=3ms', 'ok'],
    ['request done, http.status_code: 502', 'error'],
    ['status=active items=3', 'ok'],
    ['user clicked error-report button', 'ok'],
  ])('%s → %s', (message, kind) => {
    expect(c(message).kind).toBe(kind);
  });

  it('trusts the HTTP status over the level of an access line, and the level otherwise', () => {
    expect(c('GET /a 200 1ms', 'error').kind).toBe('ok');
    expect(c('GET /a 500 1ms', 'info').kind).toBe('error');
    expect(c('payment failed', 'error').kind).toBe('error');
    expect(c('ERROR but level says info', 'info').kind).toBe('ok');
  });

  it('counts 4xx only when asked', () => {
    const m = { type: 'log' as const, timestamp: 0, message: 'GET /a 429 1ms' };
    expect(classifyLogLine(m).kind).toBe('ok');
    expect(classifyLogLine(m, { clientErrors: true })).toEqual({ kind: 'error', reason: 'http-status', status: 429 });
  });
});

describe('errorEvidence', () => {
  it('is zero at or below the baseline and grows with the excess', () => {
    expect(errorEvidence(1, 100, 0.01)).toBe(0);
    expect(errorEvidence(5, 100, 0.01)).toBeLessThan(errorEvidence(10, 100, 0.01));
    expect(errorEvidence(10, 100, 0.01)).toBeGreaterThan(20);
  });
});

runDetectorContract('error-rate', () => createErrorRateDetector({ windowMs: 5_000 }), {
  signals: traffic({ rps: 10, seconds: 90, base: 0.01, spike: 0.5, from: 60, to: 90 }),
  expectFindings: true,
});
