import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryStateStore } from '@aiops/core';
import { type FakeBedrock, makeFinding, makeIncident, startFakeBedrock } from '@aiops/testing';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AnalysisMemory,
  createBedrockAnalyzer,
  incidentFacts,
  incidentHistoryTool,
  metricStatisticsTool,
  recentLogLinesTool,
} from '../src/index.js';
import { bedrockClient, report } from './support/bedrock-client.js';
import { realStep } from './support/context.js';
import { exampleCatalog } from './support/runbooks.js';

/** A local CloudWatch Logs endpoint (JSON 1.1) answering FilterLogEvents. */
async function startLocalLogs() {
  const seen: { target: string; body: Record<string, unknown> }[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      seen.push({ target: String(req.headers['x-amz-target']), body: JSON.parse(raw) });
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify({
          events: [
            {
              logStreamName: 'task/1',
              timestamp: 1_700_000_000_000,
              message: 'ERROR pool exhausted password=hunter2',
              eventId: '1',
            },
            { logStreamName: 'task/2', timestamp: 1_700_000_001_000, message: 'ERROR pool exhausted', eventId: '2' },
          ],
          searchedLogStreams: [],
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new CloudWatchLogsClient({
    region: 'eu-west-1',
    endpoint: url,
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'x' },
    requestHandler: new NodeHttpHandler(),
  });
  return {
    seen,
    client,
    close: async () => {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

let logs: Awaited<ReturnType<typeof startLocalLogs>>;
let bedrock: FakeBedrock;
beforeAll(async () => {
  logs = await startLocalLogs();
  bedrock = await startFakeBedrock(() => ({ kind: 'tool', input: report() }));
});
afterAll(async () => {
  await logs.close();
  await bedrock.close();
});

const incident = makeIncident({
  labels: { service: 'checkout', logGroup: '/ecs/checkout' },
  findings: [
    makeFinding({
      labels: { service: 'checkout', logGroup: '/ecs/checkout' },
      evidence: [
        {
          type: 'metric',
          name: 'Latency',
          points: [1, 2, 3, 4, 100].map((v, i) => ({ t: 1_700_000_000_000 + i * 60_000, v })),
        },
      ],
    }),
  ],
});
const ictx = () => {
  const step = realStep();
  return {
    incident,
    facts: incidentFacts(incident),
    signal: step.signal,
    clock: step.clock,
    store: step.store,
    memory: new AnalysisMemory('t/', 86_400_000),
  };
};

describe('investigation tools', () => {
  it('reads recent lines of a log group the incident names, through CloudWatch Logs FilterLogEvents', async () => {
    const tool = recentLogLinesTool({ client: logs.client, maxLines: 10 });
    const out = (await tool.run({ logGroup: '/ecs/checkout', filterPattern: 'ERROR', minutesBefore: 5 }, ictx())) as {
      lines: unknown[];
    };
    expect(out.lines).toHaveLength(2);
    const call = logs.seen.at(-1)!;
    expect(call.target).toBe('Logs_20140328.FilterLogEvents');
    expect(call.body).toMatchObject({ logGroupName: '/ecs/checkout', filterPattern: 'ERROR', limit: 10 });
    expect(Number(call.body.endTime) - Number(call.body.startTime)).toBe(5 * 60_000);
  });

  it('refuses a log group the incident does not name', async () => {
    const before = logs.seen.length;
    const tool = recentLogLinesTool({ client: logs.client, allowedLogGroups: ['/ecs/*'] });
    await expect(tool.run({ logGroup: '/aws/lambda/secrets-rotator' }, ictx())).rejects.toThrow(
      /not named by the incident/,
    );
    await expect(tool.run({ logGroup: '/ecs/other' }, ictx())).resolves.toBeDefined();
    expect(logs.seen.length).toBe(before + 1);
  });

  it('answers metric statistics from the incident evidence, or through a fetcher', async () => {
    const stats = await metricStatisticsTool().run({ metric: 'Latency' }, ictx());
    expect(stats).toMatchObject({ count: 5, min: 1, max: 100, last: 100, p50: 3 });
    const fetched = await metricStatisticsTool({ fetch: async () => [{ t: 0, v: 7 }] }).run({ metric: 'X' }, ictx());
    expect(fetched).toMatchObject({ count: 1, mean: 7 });
  });

  it('lists similar past incidents from the memory', async () => {
    const c = ictx();
    await c.memory.remember(
      c.store,
      { ...incident, epoch: 1 },
      {
        incident: { fingerprint: incident.fingerprint, epoch: 1 },
        analyzer: 'x',
        summary: 'pool stuck last week',
        probableCause: 'leak',
        confidence: 0.7,
        severity: 'high',
        evidence: [],
        proposedAction: null,
        createdAt: 1,
      },
      c.clock.now(),
    );
    const out = (await incidentHistoryTool().run({}, { ...c, incident: { ...incident, epoch: 2 } })) as {
      incidents: { summary: string }[];
    };
    expect(out.incidents.map((i) => i.summary)).toEqual(['pool stuck last week']);
  });

  it('lets the model investigate within its step limit, redacting tool results, then forces the report', async () => {
    bedrock.setHandler((req, n) => {
      const choice = req.body.toolConfig!.toolChoice!;
      if (choice.tool) return { kind: 'tool', input: report() };
      return n % 2 === 1
        ? { kind: 'tool', name: 'recent_log_lines', input: { logGroup: '/ecs/checkout' } }
        : { kind: 'tool', name: 'no_such_tool', input: {} };
    });
    const before = bedrock.requests.length;
    const analyzer = createBedrockAnalyzer({
      modelId: 'm',
      client: bedrockClient(bedrock),
      catalog: exampleCatalog(),
      investigation: { tools: [recentLogLinesTool({ client: logs.client })], maxSteps: 2 },
    });
    const analysis = await analyzer.analyze({ incident }, realStep({ store: new MemoryStateStore() }));
    expect(analysis.fallback).toBeUndefined();
    const sent = bedrock.requests.slice(before);
    expect(sent.map((r) => Object.keys(r.body.toolConfig!.toolChoice!)[0])).toEqual(['any', 'any', 'tool']);
    expect(sent[0]!.body.toolConfig!.tools.map((t) => t.toolSpec.name)).toEqual([
      'report_analysis',
      'recent_log_lines',
    ]);
    const results = JSON.stringify(sent[2]!.body.messages);
    expect(results).toContain('pool exhausted');
    expect(results).not.toContain('hunter2');
    expect(results).toContain('there is no tool named');
    expect(analysis.usage).toEqual({ inputTokens: 812 * 3, outputTokens: 96 * 3 });
  });
});
