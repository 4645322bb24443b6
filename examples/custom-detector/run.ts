/**
 * Replays two hours of a service's request logs with a latency regression in the middle through a
 * pipeline that runs the SLO burn-rate detector, and prints what people would be told.
 *
 *   corepack pnpm tsx examples/custom-detector/run.ts
 */
import { type Delivery, defineNotifier, type Signal, type Source } from '@aiops/core';
import { createPipeline } from '@aiops/pipeline';
import { createSloBurnRateDetector } from './index.js';
import { requestLogs } from './traffic.js';

const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 2 * 3_600_000;
const logs = requestLogs('checkout', t0, [
  { minutes: 60, perMinute: 30, slowShare: 0.002 },
  { minutes: 20, perMinute: 30, slowShare: 0.8 }, // a bad deploy: most requests take over a second
  { minutes: 40, perMinute: 30, slowShare: 0.002 },
]);

/** The recorded logs as a source: one delivery per minute of lines, then the end. */
const replay: Source = {
  name: 'replay',
  async *read() {
    for (let m = 0; m < 120; m++) {
      const signals: Signal[] = logs.filter(
        (s) => s.timestamp >= t0 + m * 60_000 && s.timestamp < t0 + (m + 1) * 60_000,
      );
      const delivery: Delivery = {
        id: `minute-${m}`,
        origin: { source: 'replay' },
        payload: { type: 'signals', signals },
        ack: () => {},
        nack: () => {},
      };
      yield delivery;
      // A breath between minutes lets the notifications keep up, as they would in real time.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  },
};

const clock = (at: number) => `+${Math.round((at - t0) / 60_000)}m`;
const pager = defineNotifier({
  name: 'stdout',
  async notify(event) {
    const { incident } = event;
    console.log(`${event.type.padEnd(18)} [${incident.severity}] ${incident.title}`);
  },
});

const pipeline = createPipeline({
  sources: [replay],
  detectors: [createSloBurnRateDetector({ objective: 0.99, latencyThresholdMs: 300 })],
  notifiers: [pager],
  incidents: { groupIntervalMs: 1 },
});
pipeline.on('finding', (f) =>
  console.log(`${clock(f.at).padStart(6)} finding: ${f.status} ${f.labels.rule} (${f.severity})`),
);
await pipeline.start();
await pipeline.drained();
await pipeline.stop();
