// The Slack, Jira and Bedrock fakes are exercised end to end by the notifier and analyzer suites
// (packages/notifiers/test, packages/llm-analyzer/test) through real clients. These tests cover what
// those suites do not reach: the Bedrock fake's plain client config and its answers to bad requests,
// and a throwing handler.
import { afterEach, describe, expect, it } from 'vitest';
import {
  bedrockPromptOf,
  type FakeBedrock,
  type FakeHttpServer,
  startFakeBedrock,
  startFakeHttpServer,
} from '../src/index.js';

const converse = (bedrock: FakeBedrock, body: string, modelId = 'anthropic.claude-3-5-sonnet-20240620-v1:0') =>
  fetch(`${bedrock.clientConfig.endpoint}/model/${encodeURIComponent(modelId)}/converse`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });

describe('startFakeBedrock', () => {
  let bedrock: FakeBedrock | undefined;
  afterEach(async () => {
    await bedrock?.close();
    bedrock = undefined;
  });

  it('gives plain client config and answers Converse in the wire format, counting requests', async () => {
    bedrock = await startFakeBedrock((_req, n) =>
      n === 1 ? { kind: 'error', status: 429, type: 'ThrottlingException' } : { kind: 'text', text: `answer ${n}` },
    );
    expect(bedrock.clientConfig).toEqual({
      endpoint: bedrock.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' },
    });
    const body = JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'why is checkout down?' }] }] });
    const throttled = await converse(bedrock, body);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('x-amzn-errortype')).toMatch(/^ThrottlingException:/);
    const ok = await converse(bedrock, body);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      output: { message: { role: 'assistant', content: [{ text: 'answer 2' }] } },
      stopReason: 'end_turn',
      usage: { inputTokens: 812, outputTokens: 96 },
    });
    expect(bedrock.requests.map((r) => r.modelId)).toEqual([
      'anthropic.claude-3-5-sonnet-20240620-v1:0',
      'anthropic.claude-3-5-sonnet-20240620-v1:0',
    ]);
    expect(bedrock.requests.map(bedrockPromptOf)).toEqual(['why is checkout down?', 'why is checkout down?']);
  });

  it('answers a body that is not JSON with a ValidationException, and an unknown route with a 404', async () => {
    let calls = 0;
    bedrock = await startFakeBedrock(() => {
      calls++;
      return { kind: 'text', text: 'unreachable' };
    });
    const bad = await converse(bedrock, '{"messages": [');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-amzn-errortype')).toBe('ValidationException');
    expect(((await bad.json()) as { message: string }).message).toMatch(/^request body is not JSON: /);
    const unknown = await fetch(`${bedrock.url}/model/m/invoke`, { method: 'POST', body: '{}' });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(calls).toBe(0);
    expect(bedrock.requests).toEqual([]);
  });

  it('answers a throwing handler with a 500 InternalServerException', async () => {
    bedrock = await startFakeBedrock(() => {
      throw new Error('script ran out');
    });
    const res = await converse(bedrock, JSON.stringify({ messages: [] }));
    expect(res.status).toBe(500);
    expect(res.headers.get('x-amzn-errortype')).toBe('InternalServerException');
    expect(await res.json()).toEqual({ message: 'Error: script ran out' });
  });
});

describe('startFakeHttpServer', () => {
  let server: FakeHttpServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('records each request and answers a throwing handler with a 500 naming the error', async () => {
    server = await startFakeHttpServer((req) => {
      throw new Error(`no route ${req.method} ${req.path}`);
    });
    const res = await fetch(`${server.url}/hook?x=1`, { method: 'POST', body: 'payload' });
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('Error: no route POST /hook');
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ method: 'POST', path: '/hook', body: 'payload' });
    expect(server.requests[0]!.query.get('x')).toBe('1');
  });
});
