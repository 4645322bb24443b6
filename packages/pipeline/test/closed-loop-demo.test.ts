import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/main.js';
import { alive } from '../src/demo/demo-service.js';
import { runClosedLoopDemo } from '../src/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aiops-demo-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('aiops demo: the closed loop', () => {
  it('heals the service: one incident, one runbook run, detection within 2 s, recovery, and a report', async () => {
    const report = join(dir, 'report.html');
    let out = '';
    let err = '';
    const started = Date.now();
    const code = await runCli(['demo', '--json', '--report', report], {
      out: (t) => (out += t),
      err: (t) => (err += t),
    });
    const wallMs = Date.now() - started;
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(wallMs).toBeLessThan(60_000);

    const lines = out.trim().split('\n');
    const summary = JSON.parse(lines.at(-1)!);
    expect(Object.keys(summary).sort()).toEqual(
      [
        'actionAfterMs',
        'detectedAfterMs',
        'incidents',
        'notifications',
        'recoveredAfterMs',
        'runbookRuns',
        'spikeAt',
      ].sort(),
    );
    expect(summary.incidents).toBe(1);
    expect(summary.runbookRuns).toBe(1);
    expect(Number.isNaN(Date.parse(summary.spikeAt))).toBe(false);
    expect(summary.detectedAfterMs).toBeGreaterThanOrEqual(0);
    expect(summary.detectedAfterMs).toBeLessThanOrEqual(2_000);
    expect(summary.actionAfterMs).toBeGreaterThanOrEqual(summary.detectedAfterMs);
    expect(summary.recoveredAfterMs).toBeGreaterThan(summary.actionAfterMs);
    // opened, analyzed, started, succeeded, verified, resolved: each told to the console once.
    expect(summary.notifications).toEqual({ console: 6 });

    // The console saw the incident's life and the timeline.
    expect(out).toMatch(/· opened/);
    expect(out).toMatch(/restart-service succeeded/);
    expect(out).toMatch(/· resolved/);
    expect(out).toContain('Timeline (offsets from the spike reaching the stream):');
    expect(out).toMatch(/\+0\.000 s {2}the first failing request reached the Kinesis stream/);

    // The report: the chart and its marks, the incident with its analysis.
    expect(existsSync(report)).toBe(true);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
    expect(html).toContain('class="rate-line"');
    expect(html).toContain('class="err-line"');
    for (const kind of ['fault', 'detection', 'action', 'recovery']) expect(html).toContain(`mark mark-${kind}`);
    expect(html).toContain('>fault injected</text>');
    expect(html).toContain('>incident created</text>');
    expect(html).toContain('>runbook restart-service started</text>');
    expect(html).toContain('>incident resolved</text>');
    expect(html).toContain('<code>restart-service</code>');
    expect(html).toMatch(/connection pool/);
    expect(html).not.toMatch(/<script/i);

    // Nothing is left running: the service pids printed by the demo are gone.
    const pids = [...out.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
    expect(pids.length).toBeGreaterThanOrEqual(2);
    for (const pid of new Set(pids)) expect(alive(pid)).toBe(false);
    const work = /working in (\S+)/.exec(out)?.[1];
    expect(work && existsSync(work)).toBe(false);
  }, 60_000);

  it('cleans up the service and its folder when aborted midway', async () => {
    let out = '';
    const abort = new AbortController();
    const run = runClosedLoopDemo({
      write: (t) => {
        out += t;
        // Abort once the traffic runs: the service, kinesalite and the pipeline are all up.
        if (t.includes('requests/s')) abort.abort(new Error('stop now'));
      },
      signal: abort.signal,
      reportPath: false,
    });
    await expect(run).rejects.toThrow('stop now');
    const pid = Number(/\(pid (\d+)\)/.exec(out)?.[1]);
    expect(pid).toBeGreaterThan(1);
    expect(alive(pid)).toBe(false);
    const work = /working in (\S+)/.exec(out)?.[1];
    expect(work).toBeDefined();
    expect(existsSync(work!)).toBe(false);
  }, 30_000);
});
