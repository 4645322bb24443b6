import { cloneJson, FindingSchema, MemoryStateStore, stableHash } from '@aiops/core';
import { IncidentManager } from '@aiops/pipeline';

const f = {
  detector: 'bench-zscore',
  seriesKey: 'metric:AWS/EC2/CPUUtilization{InstanceId=i-00000001}',
  kind: 'z-score',
  status: 'firing' as const,
  score: 0.9,
  startedAt: 1,
  at: 1,
  labels: {},
  evidence: [],
};
const N = 100_000;
let t = performance.now();
for (let i = 0; i < N; i++) FindingSchema.safeParse(f);
console.log('zod parse us', (((performance.now() - t) * 1000) / N).toFixed(2));
t = performance.now();
for (let i = 0; i < N; i++) stableHash(f.detector, f.seriesKey + i, f.kind);
console.log('hash us', (((performance.now() - t) * 1000) / N).toFixed(2));
const m = new IncidentManager();
t = performance.now();
for (let i = 0; i < N; i++)
  m.observe(
    { ...f, seriesKey: f.seriesKey + (i % 200), status: i % 400 < 200 ? 'firing' : 'resolved', at: i, startedAt: i },
    i,
  );
console.log('observe us', (((performance.now() - t) * 1000) / N).toFixed(2));
t = performance.now();
let c = 0;
for (let i = 0; i < 1000; i++) {
  for (let j = 0; j < 5; j++)
    m.observe({ ...f, seriesKey: f.seriesKey + ((i * 5 + j) % 200), at: N + i * 5 + j, startedAt: N + i * 5 + j }, i);
  c += m.takeDirty().length;
}
console.log('takeDirty per rec us', (((performance.now() - t) * 1000) / c).toFixed(2));
const rec = m.get(m.fingerprintOf({ ...f, seriesKey: f.seriesKey + 1 }))!;
console.log('rec bytes', JSON.stringify(rec).length);
t = performance.now();
for (let i = 0; i < N; i++) cloneJson(rec);
console.log('clone us', (((performance.now() - t) * 1000) / N).toFixed(2));
const s = new MemoryStateStore();
t = performance.now();
for (let i = 0; i < N; i++) await s.put('k' + (i % 100), rec);
console.log('put us', (((performance.now() - t) * 1000) / N).toFixed(2));
