import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listAll } from '@aiops/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FileStateStore, type IncidentRecord, readDeadLetters, runCli } from '../src/index.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const exampleConfig = join(root, 'examples/config/aiops.yaml');
const serviceLogs = fileURLToPath(new URL('../assets/service-logs.ndjson', import.meta.url));

function capture() {
  const io = {
    out: '',
    err: '',
    cli: {
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

/** Deliveries received, from the counters `aiops run` logs when it stops. */
function received(stderr: string): number {
  const line = stderr.split('\n').find((l) => / INFO +stopped \{/.test(l));
  if (!line) throw new Error(`no "stopped" line in: ${stderr}`);
  return (JSON.parse(line.slice(line.indexOf('{'))) as { deliveries: { received: number } }).deliveries.received;
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aiops-cli-'));
});
afterAll(async () => {
  vi.unstubAllEnvs();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('aiops --help and usage errors', () => {
  it('lists every command; each answers --help; unknown flags exit 2 with the usage', async () => {
    const io = capture();
    expect(await runCli(['--help'], io.cli)).toBe(0);
    for (const name of ['run', 'replay', 'deadletter', 'runbooks', 'demo'])
      expect(io.out).toMatch(new RegExp(`\\n  ${name} `));
    for (const name of ['run', 'replay', 'deadletter']) {
      const h = capture();
      expect(await runCli([name, '--help'], h.cli)).toBe(0);
      expect(h.out).toMatch(new RegExp(`^Usage: aiops ${name}`));
      const bad = capture();
      expect(await runCli([name, '--no-such-flag'], bad.cli)).toBe(2);
      expect(bad.err).toMatch(/Unknown option '--no-such-flag'/);
      expect(bad.err).toMatch(new RegExp(`Usage: aiops ${name}`));
    }
  });

  it('run without --config, replay without a file, deadletter replay without --config: exit 2', async () => {
    for (const argv of [
      ['run'],
      ['replay'],
      ['deadletter', 'replay', 'dl.ndjson'],
      ['replay', 'x', '--format', 'xml'],
    ]) {
      const io = capture();
      expect(await runCli(argv, io.cli)).toBe(2);
      expect(io.err).toMatch(/Usage: aiops/);
    }
  });
});

describe('aiops run --check', () => {
  it('validates the example config and prints the resolved plan', async () => {
    const io = capture();
    expect(await runCli(['run', '--config', exampleConfig, '--check'], io.cli)).toBe(0);
    expect(io.out).toContain(`${exampleConfig}: valid`);
    expect(io.out).toMatch(/source service-logs: file .*service-logs\.ndjson \(lines, resumes\)/);
    expect(io.out).toMatch(/executor: local processes; dry run on, at most 6 runs\/h/);
    expect(io.out).toMatch(/runbooks loaded: 8/);
  });

  it('--json gives the plan and the config with secrets hidden', async () => {
    vi.stubEnv('TEST_SLACK_TOKEN', 'xoxb-very-secret');
    const file = join(dir, 'slack.yaml');
    await writeFile(join(dir, 'x.ndjson'), '');
    await writeFile(
      file,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a config file's own ${NAME} syntax.
      'sources:\n  - type: file\n    paths: ./x.ndjson\nnotifiers:\n  - type: slack\n    token: ${TEST_SLACK_TOKEN}\n    channel: C0123\n    route: { minSeverity: high }\n',
    );
    const io = capture();
    expect(await runCli(['run', '-c', file, '--check', '--json'], io.cli)).toBe(0);
    const report = JSON.parse(io.out) as {
      ok: boolean;
      plan: string[];
      config: { notifiers: Array<{ token: string }> };
    };
    expect(report.ok).toBe(true);
    expect(report.config.notifiers[0]?.token).toBe('***');
    expect(io.out).not.toContain('xoxb-very-secret');
    expect(report.plan).toContain('notifiers: slack → C0123 [minSeverity high]');
  });

  it('a file source whose file cannot be read is a problem (it would be retried for ever)', async () => {
    const file = join(dir, 'missing.yaml');
    await writeFile(file, 'sources:\n  - type: file\n    paths: ./not-there.ndjson\n');
    const io = capture();
    expect(await runCli(['run', '--config', file, '--check'], io.cli)).toBe(1);
    expect(io.out).toContain(`valid, with problems`);
    expect(io.out).toContain(`problem: source file cannot read ${join(dir, 'not-there.ndjson')}`);
  });

  it('a runbook folder that cannot be loaded fails --check, and a run exits 1 before reading anything', async () => {
    const file = join(dir, 'no-runbooks.yaml');
    await writeFile(join(dir, 'y.ndjson'), '');
    await writeFile(
      file,
      'sources:\n  - type: file\n    paths: ./y.ndjson\nrunbooks:\n  type: folder\n  dir: ./no-such-runbooks\nlogging: { level: error }\n',
    );
    const check = capture();
    expect(await runCli(['run', '--config', file, '--check'], check.cli)).toBe(1);
    expect(check.out).toMatch(/runbooks: cannot load: .*no-such-runbooks/);
    const run = capture();
    expect(await runCli(['run', '--config', file], run.cli)).toBe(1);
    expect(run.err).toMatch(/ERROR pipeline failed: .*no-such-runbooks/);
  });

  it('an invalid config exits 1 and prints each problem as file:line:column: field: message', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(
      file,
      'sources:\n  - type: file\n    paths: ./x\ndetectors:\n  - type: error-rate\n    windowMs: 5s\n',
    );
    const io = capture();
    expect(await runCli(['run', '--config', file, '--check'], io.cli)).toBe(1);
    expect(io.err).toContain(`${file}:6:15: detectors[0].windowMs: expected an integer >= 100, got "5s"`);
    expect(io.err).toContain(`1 problem(s) in ${file}`);
  });
});

describe('aiops run against a file source', () => {
  it('processes the file, commits the incident to the file store, dead-letters the bad line with its payload, exits 0', async () => {
    const file = join(dir, 'run.yaml');
    await writeFile(
      file,
      `sources:
  - type: file
    paths: ${JSON.stringify(serviceLogs)}
    resume: true
detectors:
  - type: error-rate
    windowMs: 5000
    warmupWindows: 2
store:
  type: file
  dir: ./run-state
deadLetters:
  file: ./run-dead-letters.ndjson
notifiers: []
logging:
  level: info
`,
    );
    const io = capture();
    expect(await runCli(['run', '--config', file], io.cli)).toBe(0);
    // The read position was saved before the store closed: nothing failed to write on the way out.
    expect(io.err).not.toMatch(/could not save|is closed/);
    const store = await FileStateStore.open({ dir: join(dir, 'run-state') });
    try {
      const incidents = await listAll<IncidentRecord>(store, 'incident/');
      expect(incidents.length).toBe(1);
      expect(incidents[0]?.value.incident.title).toMatch(/checkout error rate/);
      expect((await store.get(`file-source/file/${serviceLogs}`))?.value).toEqual({ line: 5_499 });
    } finally {
      await store.close();
    }
    // A second run resumes after the last line: nothing is read twice.
    const again = capture();
    expect(await runCli(['run', '--config', file], again.cli)).toBe(0);
    expect(received(io.err)).toBe(5_499);
    expect(received(again.err)).toBe(0);
    const { records } = await readDeadLetters(join(dir, 'run-dead-letters.ndjson'));
    expect(records).toHaveLength(1);
    expect(records[0]?.stage).toBe('decode');
    expect(records[0]?.payload?.encoding).toBe('utf8');
    const lines = (await readFile(serviceLogs, 'utf8')).split('\n');
    expect(records[0]?.payload?.data).toBe(lines[(records[0]?.origin?.line ?? 0) - 1]);
  });
});
