import { AiopsError, type Finding, type LogSignal, ManualClock, type Signal, silentLogger } from '@aiops/core';
import { createPipeline } from '@aiops/pipeline';
import { createMemoryNotifier, createMemorySource, makeLogSignal, runDetectorContract } from '@aiops/testing';
import { describe, expect, it } from 'vitest';
import { classifyRequest, createSloBurnRateDetector, type SloBurnRateDetector } from './index.js';
import { requestLogs } from './traffic.js';

const T0 = 1_700_000_040_000; // on a minute boundary
/** An hour of healthy traffic, 20 minutes where 80% of requests are slow, then 40 healthy minutes. */
const incident = requestLogs('checkout', T0, [
  { minutes: 60, perMinute: 30, slowShare: 0.002 },
  { minutes: 20, perMinute: 30, slowShare: 0.8 },
  { minutes: 40, perMinute: 30, slowShare: 0.002 },
]);

/** Observes the signals in order on a clock that follows event time, as the pipeline's host does. */
function play(detector: SloBurnRateDetector, signals: readonly Signal[], clock = new ManualClock(T0)): Finding[] {
  const out: Finding[] = [];
  for (const signal of signals) {
    if (signal.timestamp > clock.now()) clock.set(signal.timestamp);
    const found = detector.observe(signal, { clock, logger: silentLogger });
    if (found) out.push(...[found].flat());
  }
  return out;
}

const minute = (f: Finding) => (f.at - T0) / 60_000;
const line = (f: Finding) => `${minute(f)}m ${f.status} ${f.labels.rule} ${f.severity}`;

// The suite every detector should pass: validity, determinism, odd input, snapshot → JSON → restore.
runDetectorContract('slo-burn-rate', () => createSloBurnRateDetector(), { signals: incident, expectFindings: true });

describe('SLO burn-rate detector', () => {
  it('fires the slow-burn rule, escalates to fast burn, steps down, and resolves once the budget stops burning', () => {
    const findings = play(createSloBurnRateDetector(), incident);
    // Minutes after T0 (the incident runs from minute 60 to 80), worked out by hand from the windows:
    // 6h/30m at 6× from minute 65; 1h/5m at 14.4× from minute 71; the 5m window clears by minute 85;
    // the 30m window drops below 6× at minute 108.
    expect(findings.map(line)).toEqual([
      '65m firing slow-burn high',
      '71m firing fast-burn critical',
      '85m firing slow-burn high',
      '108m resolved slow-burn high',
    ]);
    const [first, critical, , resolved] = findings as [Finding, Finding, Finding, Finding];
    expect(critical.seriesKey).toBe('log:checkout');
    expect(critical.kind).toBe('slo-burn');
    expect(critical.startedAt).toBe(first.at); // one alert that changed severity, not a new one
    expect(resolved.startedAt).toBe(first.at);
    expect(critical.title).toBe(
      'checkout burns its error budget 14.7× too fast over 1h (SLO: 99% of requests under 300 ms)',
    );
    expect(critical.evidence).toContainEqual({
      type: 'metric',
      name: 'burn rate over 5m',
      points: [{ t: critical.at, v: 80 }],
      threshold: 14.4,
    });
    expect(critical.labels).toEqual({ service: 'checkout', slo: '99% of requests under 300 ms', rule: 'fast-burn' });
  });

  it('stays quiet while the service spends its budget at the allowed pace', () => {
    const healthy = requestLogs('checkout', T0, [{ minutes: 8 * 60, perMinute: 20, slowShare: 0.009 }]);
    const detector = createSloBurnRateDetector();
    expect(play(detector, healthy)).toEqual([]);
    expect(detector.stats()).toMatchObject({ requests: 8 * 60 * 20, late: 0, series: 1 });
  });

  it('does not judge a window with too few requests, however bad they are', () => {
    // One request a minute for a quarter of an hour, every one of them slow.
    const trickle = requestLogs('admin', T0, [{ minutes: 15, perMinute: 1, slowShare: 1 }]);
    expect(play(createSloBurnRateDetector({ minRequests: 20 }), trickle)).toEqual([]);
    // The same trickle is judged when the owner says a handful of requests is enough.
    expect(play(createSloBurnRateDetector({ minRequests: 5 }), trickle).map(line)[0]).toBe(
      '5m firing fast-burn critical',
    );
  });

  it('keeps one alert state per service', () => {
    const checkout = requestLogs('checkout', T0, [{ minutes: 30, perMinute: 30, slowShare: 0.9 }]);
    const search = requestLogs('search', T0, [{ minutes: 30, perMinute: 30, slowShare: 0 }]);
    const mixed = [...checkout, ...search].sort((a, b) => a.timestamp - b.timestamp);
    const findings = play(createSloBurnRateDetector(), mixed);
    expect(new Set(findings.map((f) => f.labels.service))).toEqual(new Set(['checkout']));
  });

  it('keeps at most maxSeries services, dropping the one seen least recently', () => {
    const detector = createSloBurnRateDetector({ maxSeries: 2 });
    const lines = ['cart', 'search', 'auth'].flatMap((service, i) =>
      requestLogs(service, T0 + i * 60_000, [{ minutes: 1, perMinute: 5, slowShare: 0 }]),
    );
    play(detector, lines);
    expect(detector.stats()).toMatchObject({ series: 2, evicted: 1 });
    expect(detector.snapshot?.().series.map((s) => s.labels.service)).toEqual(['search', 'auth']);
  });

  it('judges the last bucket in flush once the service has gone quiet', () => {
    const clock = new ManualClock(T0);
    const detector = createSloBurnRateDetector();
    const burst = requestLogs('checkout', T0, [{ minutes: 5, perMinute: 40, slowShare: 0.5 }]);
    const seen = play(detector, burst, clock);
    expect(seen.map(line)).toEqual(['1m firing fast-burn critical']);
    // Traffic stops at minute 5: without flush the last minute would never be judged.
    clock.advance(30_000);
    expect(detector.flush?.({ clock, logger: silentLogger })).toBeUndefined(); // within the allowed lateness
    clock.advance(30_000);
    expect(detector.flush?.({ clock, logger: silentLogger })).toBeUndefined(); // judged: still firing, no change
    expect(detector.snapshot?.().series[0]).toMatchObject({ judged: detector.snapshot?.().series[0]?.open });
  });

  it('drops lines older than its longest window and counts them', () => {
    const detector = createSloBurnRateDetector();
    play(detector, requestLogs('checkout', T0, [{ minutes: 1, perMinute: 10, slowShare: 0 }]));
    const clock = new ManualClock(T0 + 7 * 3_600_000);
    detector.observe(makeRequest(T0 + 7 * 3_600_000, 50), { clock, logger: silentLogger });
    detector.observe(makeRequest(T0, 50), { clock, logger: silentLogger }); // 7 hours late: past the 6h window
    expect(detector.stats()).toMatchObject({ requests: 11, late: 1 });
  });

  it('survives a restart: the snapshot carries the alert, so recovery is still reported', () => {
    const before = createSloBurnRateDetector();
    const cut = incident.findIndex((s) => s.timestamp >= T0 + 75 * 60_000);
    const clock = new ManualClock(T0);
    play(before, incident.slice(0, cut), clock);
    const after = createSloBurnRateDetector();
    after.restore?.(JSON.parse(JSON.stringify(before.snapshot?.())));
    expect(play(after, incident.slice(cut), clock).map(line)).toEqual([
      '85m firing slow-burn high',
      '108m resolved slow-burn high',
    ]);
  });

  it('refuses a snapshot that is not its own, naming the field', () => {
    const detector = createSloBurnRateDetector();
    expect(() => detector.restore?.({ version: 1, lastEventAt: 0, lastArrivalWall: 0 } as never)).toThrow(/counters/);
    try {
      detector.restore?.({ version: 2 } as never);
      expect.unreachable();
    } catch (err) {
      expect(AiopsError.is(err) && err.code).toBe('VALIDATION_FAILED');
    }
  });

  it('refuses bad options with a ConfigError naming the option', () => {
    expect(() => createSloBurnRateDetector({ objective: 1 })).toThrow(/objective/);
    expect(() =>
      createSloBurnRateDetector({
        rules: [{ name: 'odd', longWindowMs: 3_600_000, shortWindowMs: 90_000, burnRate: 10, severity: 'high' }],
      }),
    ).toThrow(/rules\.0\.shortWindowMs.*multiple of bucketMs/);
    try {
      createSloBurnRateDetector({ latencyThresholdMs: -5 });
      expect.unreachable();
    } catch (err) {
      expect(AiopsError.is(err) && err.code).toBe('CONFIG_INVALID');
    }
  });
});

function makeRequest(timestamp: number, latencyMs: number, status = 200): LogSignal {
  return makeLogSignal({ timestamp, service: 'checkout', message: JSON.stringify({ status, latencyMs }) });
}

describe('classifyRequest', () => {
  it('reads latency and status from attributes or from a JSON line', () => {
    const at = (attributes: Record<string, number>) => makeLogSignal({ message: 'GET /cart', attributes });
    expect(classifyRequest(at({ latencyMs: 120, httpStatus: 200 }), 300)).toBe('good');
    expect(classifyRequest(at({ latencyMs: 301 }), 300)).toBe('bad');
    expect(classifyRequest(at({ httpStatus: 503 }), 300)).toBe('bad');
    expect(classifyRequest(makeRequest(0, 20, 502), 300)).toBe('bad');
    expect(classifyRequest(makeRequest(0, 20, 404), 300)).toBe('good'); // the client's error, not ours
    expect(classifyRequest(makeRequest(0, 900), 300)).toBe('bad');
    expect(classifyRequest(makeLogSignal({ message: 'listening on :8080' }), 300)).toBeUndefined();
  });

  it('can be replaced for another log format', () => {
    // An nginx access log: `... "GET /cart HTTP/1.1" 200 512 0.734` (request time in seconds last).
    const nginx = createSloBurnRateDetector({
      minRequests: 5,
      classify: (signal, thresholdMs) => {
        const m = /" (\d{3}) \d+ ([\d.]+)$/.exec(signal.message);
        if (!m) return undefined;
        return Number(m[1]) >= 500 || Number(m[2]) * 1_000 > thresholdMs ? 'bad' : 'good';
      },
    });
    const lines = Array.from({ length: 60 * 10 }, (_, i) =>
      makeLogSignal({
        timestamp: T0 + i * 6_000,
        service: 'edge',
        message: `10.0.0.1 - - "GET /cart HTTP/1.1" 200 512 ${i % 2 === 0 ? '0.734' : '0.020'}`,
      }),
    );
    expect(play(nginx, lines).map(line)[0]).toBe('1m firing fast-burn critical');
    expect(nginx.stats()).toMatchObject({ requests: 600, bad: 300, ignored: 0 });
  });
});

describe('registered with createPipeline', () => {
  it('opens one incident that escalates to critical and resolves with the detector', async () => {
    const source = createMemorySource();
    const notifier = createMemoryNotifier();
    const pipeline = createPipeline({
      sources: [source],
      detectors: [createSloBurnRateDetector()],
      notifiers: [notifier],
      incidents: { groupIntervalMs: 1 },
      fastPath: { flushIntervalMs: 50 },
    });
    const findings: Finding[] = [];
    pipeline.on('finding', (finding) => findings.push(finding));
    await pipeline.start();
    // One delivery per minute of logs, as a Kinesis record of a CloudWatch Logs subscription would carry.
    for (let m = 0; m < 120; m++) {
      const batch = incident.filter((s) => s.timestamp >= T0 + m * 60_000 && s.timestamp < T0 + (m + 1) * 60_000);
      await source.push(batch);
    }
    source.end();
    await pipeline.drained();
    await pipeline.stop();

    expect(findings.map(line)).toEqual(play(createSloBurnRateDetector(), incident).map(line));
    const types = notifier.events.map((e) => e.type);
    expect(types[0]).toBe('incident.opened');
    expect(types.at(-1)).toBe('incident.resolved');
    expect(new Set(notifier.events.map((e) => e.incident.fingerprint)).size).toBe(1);
    expect(notifier.events.at(-1)?.incident.severity).toBe('critical');
  });
});
