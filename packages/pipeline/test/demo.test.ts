import { makeIncidentEvent, makeLogSignal, runDetectorContract, runNotifierContract } from '@aiops/testing';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/main.js';
import { consoleNotifier } from '../src/demo/console-notifier.js';
import { errorRateDetector } from '../src/demo/error-rate-detector.js';
import { runFirstDemo } from '../src/demo/first-demo.js';

const T0 = Date.parse('2026-11-24T10:00:00Z');
/** Thirty seconds of a service at 10 lines/s, failing hard in the middle ten seconds. */
const burst = Array.from({ length: 300 }, (_, i) => {
  const failing = i >= 100 && i < 200 && i % 2 === 0;
  return makeLogSignal({
    timestamp: T0 + i * 100,
    service: 'checkout',
    level: failing ? 'error' : 'info',
    message: failing ? 'GET /cart 503 900ms' : 'GET /cart 200 12ms',
  });
});

describe('the first demo', () => {
  it('prints the incident opening and resolving, and the dead-lettered line', async () => {
    const lines: string[] = [];
    const stats = await runFirstDemo(undefined, (l) => lines.push(l));
    expect(lines.filter((l) => l.startsWith('[incident.opened] checkout error rate'))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('[incident.resolved]'))).toHaveLength(1);
    expect(lines.indexOf(lines.find((l) => l.startsWith('[incident.opened]'))!)).toBeLessThan(
      lines.indexOf(lines.find((l) => l.startsWith('[incident.resolved]'))!),
    );
    expect(lines.some((l) => l.startsWith('[dead-letter] demo-ndjson-log: line 1235 is not JSON'))).toBe(true);
    expect(stats).toMatchObject({ deadLetters: 1, incidents: { created: 1, resolved: 1 } });
    expect(stats.deliveries.acked).toBe(stats.deliveries.received);
  });

  it('runs as `aiops demo --json` and exits 0', async () => {
    let out = '';
    const code = await runCli(['demo', '--json'], { out: (t) => (out += t), err: (t) => (out += t) });
    expect(code).toBe(0);
    const last = JSON.parse(out.trim().split('\n').at(-1)!);
    expect(last.incidents).toMatchObject({ created: 1, resolved: 1 });
  });

  it('answers --help, unknown commands and bad options', async () => {
    let out = '';
    const io = { out: (t: string) => (out += t), err: (t: string) => (out += t) };
    expect(await runCli(['--help'], io)).toBe(0);
    expect(out).toContain('demo');
    out = '';
    expect(await runCli(['demo', '--help'], io)).toBe(0);
    expect(out).toContain('Usage: aiops demo');
    out = '';
    expect(await runCli(['nope'], io)).toBe(2);
    expect(out).toContain('unknown command "nope"');
    out = '';
    expect(await runCli(['demo', '--bogus'], io)).toBe(2);
    expect(out).toContain("Unknown option '--bogus'");
  });
});

describe('the demo detector obeys the detector contract', () => {
  runDetectorContract('demo error-rate detector', () => errorRateDetector(), { signals: burst, expectFindings: true });
});

describe('the demo notifier obeys the notifier contract', () => {
  runNotifierContract('demo console notifier', () => consoleNotifier(() => {}), {
    events: [makeIncidentEvent('incident.opened'), makeIncidentEvent('incident.resolved')],
  });
});

describe('aiops deadletter list', () => {
  it('lists the dead letters of a file with their reasons, and reports unreadable lines', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { NdjsonDeadLetterSink } = await import('../src/index.js');
    const dir = await mkdtemp(join(tmpdir(), 'aiops-dl-'));
    const file = join(dir, 'dl.ndjson');
    const sink = new NdjsonDeadLetterSink({ file });
    await sink.write({
      id: 'a',
      at: 0,
      stage: 'decode',
      reason: 'json-log: not JSON',
      plugin: 'json-log',
      origin: { source: 'kinesis', shard: 'shardId-0', sequenceNumber: '42' },
    });
    await sink.write({ id: 'b', at: 1, stage: 'notify', reason: 'slack: 403', plugin: 'slack' });
    await sink.close?.();
    let out = '';
    let err = '';
    const io = { out: (t: string) => (out += t), err: (t: string) => (err += t) };
    expect(await runCli(['deadletter', 'list', file], io)).toBe(0);
    expect(out).toContain('decode   json-log             json-log: not JSON from kinesis shardId-0 42');
    expect(out).toContain('2 dead letter(s)');
    out = '';
    expect(await runCli(['deadletter', 'list', file, '--stage', 'notify', '--json'], io)).toBe(0);
    expect(
      out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id),
    ).toEqual(['b']);
    await writeFile(file, '{"broken\n', { flag: 'a' });
    out = '';
    expect(await runCli(['deadletter', 'list', file], io)).toBe(1);
    expect(err).toContain(':3: not JSON');
    expect(await runCli(['deadletter', 'list'], io)).toBe(2);
    expect(await runCli(['deadletter', 'list', file, '--stage', 'nope'], io)).toBe(2);
  });
});

describe('aiops runbooks validate', () => {
  it('validates the example runbook repository, and fails on a broken one', async () => {
    const { fileURLToPath } = await import('node:url');
    const { mkdtemp, mkdir, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    let out = '';
    const io = { out: (t: string) => (out += t), err: (t: string) => (out += t) };
    const examples = fileURLToPath(new URL('../../../examples/runbooks', import.meta.url));
    expect(await runCli(['runbooks', 'validate', examples], io)).toBe(0);
    const bad = await mkdtemp(join(tmpdir(), 'aiops-runbooks-'));
    await mkdir(join(bad, 'runbooks'));
    await writeFile(join(bad, 'runbooks', 'oops.yaml'), 'id: Not An Id\ntitle: 3\n');
    out = '';
    expect(await runCli(['runbooks', 'validate', bad], io)).toBe(1);
    expect(out).toContain('oops.yaml');
  });
});
