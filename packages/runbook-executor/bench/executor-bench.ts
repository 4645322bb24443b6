/**
 * Measures the executor's own overhead: catalog load, planning throughput (admitted and refused),
 * a local run end to end, and an SSM Run Command round trip against the local test server.
 *
 *   npx tsx packages/runbook-executor/bench/executor-bench.ts
 */

import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { MemoryStateStore, systemClock } from '@aiops/core';
import { createStepContext, makeAnalysis, makeIncident } from '@aiops/testing';
import { createCatalog, createRunbookExecutor, folderFiles, loadRunbookRepository } from '../src/index.js';
import { EXAMPLES, memoryRepo } from '../test/support/repo.js';
import { ssmClientConfig, startSsmServer } from '../test/support/ssm-server.js';

// Runbooks without rate limits of their own, so that the guardrails' cost is what is measured.
const FILES = {
  'runbooks/restart-ssm.yaml': `id: restart-ssm
title: Restart over SSM
risk: low
parameters: { type: object, required: [service], properties: { service: { type: string, pattern: '^[a-z0-9-]{1,32}$' } } }
target: { tags: { Service: '{{ service }}' } }
action:
  type: ssm-command
  document: { name: AWS-RunShellScript }
  parameters: { commands: ['systemctl restart app'] }
`,
  'runbooks/noop-local.yaml': `id: noop-local
title: A local process that exits at once
risk: low
parameters: { type: object, required: [service], properties: { service: { type: string, pattern: '^[a-z0-9-]{1,32}$' } } }
target: { service: '{{ service }}' }
action: { type: local, argv: [node, -e, '0', '{{ service }}'] }
`,
};

const ms = (t0: number) => performance.now() - t0;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const loads: number[] = [];
for (let i = 0; i < 20; i++) {
  const t0 = performance.now();
  await loadRunbookRepository(folderFiles(EXAMPLES));
  loads.push(ms(t0));
}
console.log(`load examples/runbooks (8 runbooks, 5 documents): median ${median(loads).toFixed(1)} ms over 20`);

const ssm = await startSsmServer();
ssm.onSendCommand = () => ({ statuses: ['InProgress', 'Success'] });
const store = new MemoryStateStore();
const executor = createRunbookExecutor({
  catalog: createCatalog(
    { name: 'bench', pollIntervalMs: 60_000 },
    {
      revision: async () => 'r1',
      snapshot: async (revision) => ({ revision, files: memoryRepo(FILES), root: tmpdir() }),
    },
  ),
  store,
  clock: systemClock,
  local: {},
  ssm: { clientConfig: ssmClientConfig(ssm), pollIntervalMs: 5 },
  guardrails: { maxRunsPerHour: 100_000, maxRunsPerHourPerRunbook: 100_000 },
});
const ask = (i: number, service: string, runbookId = 'restart-ssm') => {
  const incident = makeIncident({ fingerprint: `fp${String(i).padStart(14, '0')}`, labels: { service } });
  const proposal = { runbookId, parameters: { service }, rationale: 'bench' };
  return executor.plan(
    { incident, analysis: makeAnalysis({ proposedAction: proposal }), proposal },
    createStepContext(`b${i}`),
  );
};

const N = 2_000;
let t0 = performance.now();
let runs = 0;
for (let i = 0; i < N; i++) if ((await ask(i, `svc-${i}`)).decision === 'run') runs++;
const admitted = ms(t0);
if (runs !== N) throw new Error(`only ${runs} of ${N} admitted`);
t0 = performance.now();
for (let i = N; i < 2 * N; i++) await ask(i, 'svc-0');
const refused = ms(t0);
console.log(
  `plan, admitted (distinct targets): ${(N / (admitted / 1000)).toFixed(0)} decisions/s, ${(admitted / N).toFixed(3)} ms each`,
);
console.log(
  `plan, refused by cooldown: ${(N / (refused / 1000)).toFixed(0)} decisions/s, ${(refused / N).toFixed(3)} ms each`,
);
t0 = performance.now();
const burst = await Promise.all(Array.from({ length: 100 }, (_, i) => ask(10_000 + i, 'burst')));
console.log(
  `burst of 100 concurrent proposals on one target: ${ms(t0).toFixed(1)} ms, ${burst.filter((d) => d.decision === 'run').length} admitted`,
);

const rounds: number[] = [];
for (let i = 0; i < 20; i++) {
  const d = await ask(20_000 + i, `rt-${i}`);
  if (d.decision !== 'run') throw new Error(d.decision);
  const s = performance.now();
  const r = await executor.run(d.plan, createStepContext(`r${i}`));
  if (r.status !== 'succeeded') throw new Error(r.status);
  rounds.push(ms(s));
}
console.log(
  `SSM Run Command round trip (local server, 5 ms polls, tag targets): median ${median(rounds).toFixed(1)} ms over 20`,
);

const locals: number[] = [];
for (let i = 0; i < 10; i++) {
  const d = await ask(30_000 + i, `lc-${i}`, 'noop-local');
  if (d.decision !== 'run') throw new Error(d.decision);
  const s = performance.now();
  await executor.run(d.plan, createStepContext(`l${i}`));
  locals.push(ms(s));
}
console.log(`local runbook (node process, exits at once): median ${median(locals).toFixed(1)} ms over 10`);
await executor.stop();
await ssm.close();
