import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeadLetterRecord } from '@aiops/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDeadLetters, runCli } from '../src/index.js';

const serviceLogs = fileURLToPath(new URL('../assets/service-logs.ndjson', import.meta.url));

function capture(errIsTTY = false) {
  const io = {
    out: '',
    err: '',
    cli: {
      errIsTTY,
      out: (t: string) => {
        io.out += t;
      },
      err: (t: string) => {
        io.err += t;
      },
    },
  };
  return io;
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aiops-replay-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('aiops replay', () => {
  it('prints the incident with its open and resolve times on the file’s time, the dead letter and timings', async () => {
    const io = capture();
    expect(await runCli(['replay', serviceLogs], io.cli)).toBe(0);
    expect(io.out).toMatch(/replayed service-logs\.ndjson \(ndjson\): 5,499 lines in \d+ ms/);
    expect(io.out).toMatch(/incidents \(1\):\n {2}CRITICAL checkout error rate/);
    // Event time of the file (10:00 on 2026-11-24), not the wall clock of the test.
    expect(io.out).toMatch(
      /opened 2026-11-24T10:0\d:\d\d\.\d{3}Z {2}resolved 2026-11-24T10:\d\d:\d\d\.\d{3}Z \(after \d+ s\)/,
    );
    expect(io.out).toMatch(/dead letters \(1\):\n {2}line 1235 {2}decode {2}ndjson: line 1: not JSON/);
    expect(io.out).toMatch(/timings: \d+ ms reading, decoding and detecting; \d+ ms draining/);
    // The console notifier printed the incident's life too, and nothing ran (no runbooks configured).
    expect(io.out).toMatch(/· opened/);
    // stderr is not a terminal here: plain progress lines, no carriage returns.
    expect(io.err).toMatch(/replay: 100% 5,499\/5,499 lines, [\d.]+ s, done\n/);
    expect(io.err).not.toContain('\r');
  });

  it('--json gives incidents, dead letters, stats and timings as one object', async () => {
    const io = capture();
    expect(await runCli(['replay', serviceLogs, '--json'], io.cli)).toBe(0);
    const report = JSON.parse(io.out) as {
      lines: number;
      stats: { signals: number; findings: number; incidents: { created: number; resolved: number } };
      incidents: Array<{ title: string; openedAt: number; resolvedAt?: number; labels: Record<string, string> }>;
      deadLetters: DeadLetterRecord[];
      timings: { totalMs: number };
    };
    expect(report.lines).toBe(5_499);
    expect(report.stats.signals).toBe(5_498);
    expect(report.stats.incidents).toMatchObject({ created: 1, resolved: 1 });
    expect(report.incidents).toHaveLength(1);
    const [incident] = report.incidents;
    expect(incident?.labels.service).toBe('checkout');
    expect(incident?.resolvedAt).toBeGreaterThan(incident?.openedAt ?? Number.POSITIVE_INFINITY);
    expect(report.deadLetters.map((d) => d.origin?.line)).toEqual([1235]);
  });

  it('--report writes an HTML report with the chart, the incident and its timeline', async () => {
    const report = join(dir, 'replay.html');
    const io = capture();
    expect(await runCli(['replay', serviceLogs, '--report', report, '--json'], io.cli)).toBe(0);
    const html = await readFile(report, 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('<svg');
    expect(html).toContain('Replay of service-logs.ndjson');
    expect(html).toMatch(/checkout error rate 50\.0%/);
    expect(html).toMatch(/opened: checkout error rate/);
    expect(html).toContain('log lines'); // the chart counts log lines, not requests
    expect(io.err).toContain(`report written to ${report}`);
  });

  it('with a terminal, the progress is a bar redrawn in place and cleared at the end', async () => {
    const io = capture(true);
    expect(await runCli(['replay', serviceLogs, '--json'], io.cli)).toBe(0);
    expect(io.err.endsWith('\r\x1b[K')).toBe(true);
    expect(io.err).not.toMatch(/replay: .*done\n/);
  });

  it('--config takes the detectors and the runbooks from a config; runbooks only plan (dry run)', async () => {
    const io = capture();
    const config = fileURLToPath(new URL('../../../examples/config/aiops.yaml', import.meta.url));
    expect(await runCli(['replay', serviceLogs, '--config', config, '--json'], io.cli)).toBe(0);
    const report = JSON.parse(io.out) as {
      stats: { incidents: { created: number }; actions: { succeeded: number; failed: number } };
    };
    expect(report.stats.incidents.created).toBeGreaterThanOrEqual(1);
    // The example config's detectors (error-rate with a 5 s window), not the default set.
    expect(io.err).not.toMatch(/template-spike/);
    expect(report.stats.actions.failed).toBe(0);
  });

  it('--format text reads plain log lines, with --service naming the series', async () => {
    const file = join(dir, 'app.log');
    const lines: string[] = [];
    const base = Date.parse('2026-11-24T08:00:00Z');
    for (let i = 0; i < 400; i++) {
      const t = new Date(base + i * 250).toISOString();
      const failing = i >= 200 && i < 260;
      lines.push(`${t} ${failing ? 'ERROR payment gateway timeout after 3000ms' : 'INFO GET /pay 200 12ms'}`);
    }
    await writeFile(file, `${lines.join('\n')}\n`);
    const io = capture();
    expect(await runCli(['replay', file, '--format', 'text', '--service', 'payments', '--json'], io.cli)).toBe(0);
    const report = JSON.parse(io.out) as {
      lines: number;
      incidents: Array<{ labels: Record<string, string>; openedAt: number }>;
    };
    expect(report.lines).toBe(400);
    expect(report.incidents.length).toBeGreaterThanOrEqual(1);
    expect(report.incidents[0]?.labels.service).toBe('payments');
    expect(report.incidents[0]?.openedAt).toBeGreaterThanOrEqual(base + 200 * 250);
  });

  it('--live sends the incidents to the configured notifiers (a webhook here); without it nothing leaves', async () => {
    const received: Array<{ type: string }> = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        received.push(JSON.parse(body) as { type: string });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const config = join(dir, 'live.yaml');
      await writeFile(
        config,
        `sources:\n  - type: file\n    paths: ./unused.log\nnotifiers:\n  - type: webhook\n    url: http://127.0.0.1:${(server.address() as AddressInfo).port}/hook\nlogging: { level: silent }\n`,
      );
      expect(await runCli(['replay', serviceLogs, '--config', config, '--json'], capture().cli)).toBe(0);
      expect(received).toEqual([]);
      expect(await runCli(['replay', serviceLogs, '--config', config, '--live', '--json'], capture().cli)).toBe(0);
      expect(received.map((e) => e.type)).toEqual(expect.arrayContaining(['incident.opened', 'incident.resolved']));
      const bad = capture();
      expect(await runCli(['replay', serviceLogs, '--live'], bad.cli)).toBe(2);
      expect(bad.err).toContain('--live needs --config');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('--format cloudwatch-logs reads filter-log-events output; the incident opens at the time of its own events', async () => {
    const base = Date.parse('2026-11-24T06:00:00Z');
    const events = Array.from({ length: 600 }, (_, i) => ({
      logStreamName: 'web/1',
      timestamp: base + i * 200,
      message: i >= 300 && i < 340 ? 'ERROR upstream timeout calling payments' : 'INFO GET /checkout 200 12ms',
      eventId: String(i),
    }));
    const file = join(dir, 'filter-log-events.json');
    await writeFile(file, JSON.stringify({ events, searchedLogStreams: [] }, null, 2));
    const io = capture();
    expect(
      await runCli(['replay', file, '--format', 'cloudwatch-logs', '--log-group', '/ecs/checkout', '--json'], io.cli),
    ).toBe(0);
    const report = JSON.parse(io.out) as {
      lines: number;
      incidents: Array<{ title: string; openedAt: number; resolvedAt?: number }>;
    };
    expect(report.lines).toBe(600);
    expect(report.incidents).toHaveLength(1);
    const [incident] = report.incidents;
    expect(incident?.title).toMatch(/^\/ecs\/checkout error rate/);
    // Opened inside the burst (events 300..339), not at the end of a 500-event batch.
    expect(incident?.openedAt).toBeGreaterThanOrEqual(base + 300 * 200);
    expect(incident?.openedAt).toBeLessThan(base + 340 * 200);
    expect(incident?.resolvedAt).toBeGreaterThan(base + 340 * 200);
  });

  it('a missing file fails with exit 1 and its name', async () => {
    const io = capture();
    expect(await runCli(['replay', join(dir, 'nope.ndjson')], io.cli)).toBe(1);
    expect(io.err).toContain('nope.ndjson');
  });
});

describe('aiops deadletter replay', () => {
  const base = Date.parse('2026-11-24T09:00:00Z');
  const at = (i: number) => new Date(base + i * 100).toISOString();

  it('after a fix, processes what now decodes, sends what still fails to a new sink with its reason, loses nothing', async () => {
    const logs = join(dir, 'mixed.log');
    const lines: string[] = [];
    for (let i = 0; i < 50; i++)
      lines.push(JSON.stringify({ ts: at(i), level: 'info', service: 'cart', msg: `ok ${i}` }));
    lines.push(`${at(50)} WARN cart cache miss storm`); // plain text: refused by an NDJSON-only pipeline
    lines.push(`${at(51)} ERROR cart upstream reset`);
    lines.push('{"ts": "2026-11-24T09:00:05Z", "msg": '); // broken JSON: refused by both pipelines
    await writeFile(logs, `${lines.join('\n')}\n`);
    const dl = join(dir, 'dl.ndjson');
    const strict = join(dir, 'strict.yaml');
    const fixed = join(dir, 'fixed.yaml');
    const common = `detectors: [{ type: error-rate }]\nnotifiers: []\nlogging: { level: silent }\n`;
    await writeFile(
      strict,
      `sources:\n  - type: file\n    paths: ./mixed.log\ndecoders:\n  - type: ndjson\ndeadLetters:\n  file: ./dl.ndjson\n${common}`,
    );
    await writeFile(
      fixed,
      `sources:\n  - type: file\n    paths: ./unused.log\ndecoders:\n  - type: auto\n    text: true\n${common}`,
    );

    expect(await runCli(['run', '--config', strict], capture().cli)).toBe(0);
    const before = await readDeadLetters(dl);
    expect(before.records.map((r) => r.origin?.line)).toEqual([51, 52, 53]);
    // A slow-path dead letter (no record to replay) and a line that is not a record: both must survive.
    const notify: DeadLetterRecord = {
      id: 'dl-notify-1',
      at: base,
      stage: 'notify',
      reason: 'slack: channel_not_found',
    };
    await writeFile(dl, `${await readFile(dl, 'utf8')}${JSON.stringify(notify)}\nthis line is not JSON\n`);
    const original = await readFile(dl, 'utf8');

    // Without --remove-replayed the original stays byte for byte.
    const out1 = join(dir, 'again-1.ndjson');
    const io1 = capture();
    expect(await runCli(['deadletter', 'replay', dl, '--config', fixed, '--out', out1], io1.cli)).toBe(1);
    expect(io1.out).toMatch(/replayed 3 record\(s\) from .*dl\.ndjson: 2 processed, 1 failed again/);
    expect(io1.out).toMatch(/skipped 1: stage notify is not a record of the stream/);
    expect(io1.out).toMatch(/1 unreadable line\(s\) left as they are/);
    expect(await readFile(dl, 'utf8')).toBe(original);
    const again1 = await readDeadLetters(out1);
    expect(again1.records).toHaveLength(1);
    const [still] = again1.records;
    expect(still?.id).toBe(before.records[2]?.id);
    expect(still?.origin?.line).toBe(53);
    expect(still?.reason).toMatch(/not JSON/);
    expect(still?.payload).toEqual(before.records[2]?.payload);

    // With --remove-replayed: the replayed records leave the original; everything else stays.
    const out2 = join(dir, 'again-2.ndjson');
    const io2 = capture();
    expect(
      await runCli(['deadletter', 'replay', dl, '-c', fixed, '--out', out2, '--remove-replayed', '--json'], io2.cli),
    ).toBe(1);
    const report = JSON.parse(io2.out) as {
      replayed: number;
      processed: number;
      failedAgain: number;
      removed: boolean;
    };
    expect(report).toMatchObject({ replayed: 3, processed: 2, failedAgain: 1, removed: true });
    const rest = (await readFile(dl, 'utf8')).split('\n').filter(Boolean);
    expect(rest).toEqual([JSON.stringify(notify), 'this line is not JSON']);
    expect((await readDeadLetters(out2)).records.map((r) => r.id)).toEqual([before.records[2]?.id]);

    // The replayed-and-fixed records are gone, the still-bad one is in the new sink: nothing vanished.
    const accounted = report.processed + (await readDeadLetters(out2)).records.length + rest.length;
    expect(accounted).toBe(before.records.length + 2);
  });

  it('signals kept as JSON (validate stage) go through the detectors again; a still-invalid one names its field', async () => {
    const dl = join(dir, 'validate-dl.ndjson');
    const good = { type: 'log', timestamp: base, message: 'fixed upstream', level: 'info', service: 'cart' };
    const bad = { type: 'log', timestamp: -5, message: 'still broken' };
    const records: DeadLetterRecord[] = [
      {
        id: 'dl-v-1',
        at: base,
        stage: 'validate',
        reason: 'old reason',
        payload: { encoding: 'json', data: JSON.stringify(good) },
      },
      {
        id: 'dl-v-2',
        at: base,
        stage: 'validate',
        reason: 'old reason',
        payload: { encoding: 'json', data: JSON.stringify(bad) },
      },
      { id: 'dl-v-3', at: base, stage: 'decode', reason: 'kept without payload' },
    ];
    await writeFile(dl, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const config = join(dir, 'validate.yaml');
    await writeFile(
      config,
      'sources:\n  - type: file\n    paths: ./unused.log\nnotifiers: []\nlogging: { level: silent }\n',
    );
    const out = join(dir, 'validate-again.ndjson');
    const io = capture();
    expect(
      await runCli(['deadletter', 'replay', dl, '--config', config, '--out', out, '--json', '--dry-run'], io.cli),
    ).toBe(1);
    expect(JSON.parse(io.out)).toMatchObject({ replayed: 2, processed: 1, failedAgain: 1, skipped: 1 });
    const [again] = (await readDeadLetters(out)).records;
    expect(again).toMatchObject({ id: 'dl-v-2', stage: 'validate' });
    expect(again?.reason).toMatch(/timestamp/);
    expect(again?.payload).toEqual(records[1]?.payload);
  });
});
