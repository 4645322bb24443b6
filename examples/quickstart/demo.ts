/**
 * The quickstart in action: the shop serves traffic, its cart breaks for a while, then heals; the
 * pipeline inside the shop's process notices, and the console notifier says so.
 *
 *   corepack pnpm tsx examples/quickstart/demo.ts
 */
import { runScenario } from './scenario.js';

console.log('shop: serving 40 requests/s; the cart breaks after 8 s and heals 8 s later\n');
const result = await runScenario({
  requestsPerSecond: 40,
  healthyMs: 8_000,
  brokenMs: 8_000,
  failureRate: 0.6,
  recoveryMs: 20_000,
  windowMs: 2_000,
  write: (text) => process.stdout.write(text),
  onPhase: (phase) => console.log(`${new Date().toTimeString().slice(0, 8)} -- the cart is ${phase} --`),
});
console.log(`\n${result.requestsSent} requests sent; incident changes: ${result.changes.join(', ')}`);
console.log(`health endpoint: ${result.health.status} ${JSON.stringify(result.health.report)}`);
