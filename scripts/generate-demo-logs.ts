/**
 * Writes the first demo's bundled log file: ten minutes of two services' access logs, with an error
 * burst on `checkout` from minute 4 to minute 6 and one malformed line. Deterministic (seeded).
 *
 *   tsx scripts/generate-demo-logs.ts [out-file]
 */
import { writeFileSync } from 'node:fs';

const out = process.argv[2] ?? 'packages/pipeline/assets/service-logs.ndjson';
let seed = 42;
const random = (): number => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const start = Date.parse('2026-11-24T10:00:00.000Z');
const paths = ['/api/cart', '/api/checkout', '/api/products', '/api/orders', '/health'];
const lines: string[] = [];
for (let t = start; t < start + 10 * 60_000; t += 100) {
  for (const service of ['checkout', 'cart']) {
    if (random() > 0.45) continue;
    const burst = service === 'checkout' && t >= start + 4 * 60_000 && t < start + 6 * 60_000;
    const failing = random() < (burst ? 0.4 : 0.005);
    const status = failing ? (burst ? 503 : 500) : 200;
    const ms = Math.round((failing ? 900 : 20) + random() * 60);
    const path = paths[Math.floor(random() * paths.length)];
    const level = failing ? 'error' : 'info';
    const msg =
      failing && burst
        ? `GET ${path} ${status} ${ms}ms upstream connect error: pool exhausted`
        : `GET ${path} ${status} ${ms}ms`;
    lines.push(JSON.stringify({ ts: new Date(t + Math.floor(random() * 100)).toISOString(), level, service, msg }));
  }
}
lines.splice(
  1_234,
  0,
  '{"ts":"2026-11-24T10:02:03.000Z","level":"info","service":"checkout","msg":"GET /api/cart 200 1',
);
writeFileSync(out, `${lines.join('\n')}\n`);
console.log(`wrote ${lines.length} lines to ${out}`);
