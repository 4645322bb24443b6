import type { FakeBedrock } from '@aiops/testing';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * A real SDK client aimed at a fake Bedrock over HTTP/1.1, SDK retries off unless `maxAttempts` says
 * otherwise. Destroy it (or let the fake's close drop its connections) when done.
 */
export function bedrockClient(fake: FakeBedrock, maxAttempts = 1): BedrockRuntimeClient {
  return new BedrockRuntimeClient({ ...fake.clientConfig, requestHandler: new NodeHttpHandler(), maxAttempts });
}

/** A valid `report_analysis` input. */
export function report(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    summary: 'checkout returns 503 on a third of requests since 10:02',
    probableCause: 'the worker pool ran out of database connections (template:0)',
    confidence: 0.8,
    severity: 'high',
    evidence: ['finding:0', 'template:0'],
    proposedAction: {
      runbookId: 'restart-service',
      parameters: { service: 'checkout' },
      rationale: 'a restart releases the stuck connections',
    },
    ...overrides,
  };
}
