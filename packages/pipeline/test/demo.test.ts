import { makeLogSignal, runDetectorContract } from '@aiops/testing';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/main.js';
import { errorRateDetector } from '../src/demo/error-rate-detector.js';

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

describe('aiops demo', () => {
  it('answers --help, unknown commands and bad options', async () => {
    let out = '';
    const io = { out: (t: string) => (out += t), err: (t: string) => (out += t) };
    expect(await runCli(['--help'], io)).toBe(0);
    expect(out).toContain('demo');
    out = '';
    expect(await runCli(['demo', '--help'], io)).toBe(0);
    expect(out).toContain('Usage: aiops demo');
    expect(out).toContain('runbookRuns');
    out = '';
    expect(await runCli(['nope'], io)).toBe(2);
    expect(out).toContain('unknown command "nope"');
    out = '';
    expect(await runCli(['demo', '--bogus'], io)).toBe(2);
    expect(out).toContain("Unknown option '--bogus'");
    out = '';
    expect(await runCli(['demo', '--timeout', 'soon'], io)).toBe(2);
    expect(out).toContain('--timeout must be a positive number of seconds, got "soon"');
  });

  it('fails with a clear message when the runbook repository has no local restart-service', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const empty = await mkdtemp(join(tmpdir(), 'aiops-demo-runbooks-'));
    let err = '';
    const io = { out: () => {}, err: (t: string) => (err += t) };
    try {
      expect(await runCli(['demo', '--runbooks', empty, '--report', join(empty, 'r.html')], io)).toBe(1);
      expect(err).toContain('has no local restart-service runbook');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('the bench error-rate detector obeys the detector contract', () => {
  runDetectorContract('bench error-rate detector', () => errorRateDetector(), { signals: burst, expectFindings: true });
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
