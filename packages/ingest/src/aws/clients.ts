import { CloudWatchClient, type CloudWatchClientConfig } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { KinesisClient, type KinesisClientConfig } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { z } from 'zod';

/**
 * Either an AWS SDK client you created (and will destroy yourself), or the configuration for one
 * that the factory creates and destroys on `stop()`/`close()`. Never both.
 *
 * @example
 * ```ts
 * import { KinesisClient, type KinesisClientConfig } from '@aws-sdk/client-kinesis';
 * import type { ClientOrConfig } from '@aiops/ingest';
 * const mine: ClientOrConfig<KinesisClient, KinesisClientConfig> = { client: new KinesisClient({}) };
 * const theirs: ClientOrConfig<KinesisClient, KinesisClientConfig> = { clientConfig: { region: 'eu-west-1' } };
 * ```
 */
export type ClientOrConfig<C, Cfg> =
  | { readonly client: C; readonly clientConfig?: never }
  | { readonly client?: never; readonly clientConfig?: Cfg };

/** Zod fields for {@link ClientOrConfig}: a client is any object with `send`; a config is an object. */
export const clientFields = {
  client: z
    .custom<{ send: unknown; destroy?: unknown }>(
      (v) => typeof v === 'object' && v !== null && typeof (v as { send?: unknown }).send === 'function',
      'expected an AWS SDK v3 client (an object with send())',
    )
    .optional(),
  clientConfig: z.record(z.string(), z.unknown()).optional(),
};

/** Refinement shared by option schemas: `client` and `clientConfig` exclude each other. */
export function notBoth(o: { client?: unknown; clientConfig?: unknown }, ctx: z.RefinementCtx): void {
  if (o.client !== undefined && o.clientConfig !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['clientConfig'],
      message: 'give either client or clientConfig, not both (clientConfig would be ignored)',
    });
  }
}

/** A client and whether we created it (and so must destroy it). */
export interface OwnedClient<C> {
  readonly client: C;
  readonly owned: boolean;
}

/**
 * Returns the injected Kinesis client, or creates one from its config with the Node HTTP/1.1
 * handler: the SDK's HTTP/2 default only matters for enhanced fan-out, and local emulators
 * (kinesalite) speak HTTP/1.1 only.
 */
export function kinesisClientOf(o: {
  client?: unknown;
  clientConfig?: Record<string, unknown>;
}): OwnedClient<KinesisClient> {
  if (o.client) return { client: o.client as KinesisClient, owned: false };
  const config = (o.clientConfig ?? {}) as KinesisClientConfig;
  return {
    client: new KinesisClient({ ...config, requestHandler: config.requestHandler ?? new NodeHttpHandler() }),
    owned: true,
  };
}

/** Returns the injected DynamoDB client, or creates one from its config. */
export function dynamoClientOf(o: {
  client?: unknown;
  clientConfig?: Record<string, unknown>;
}): OwnedClient<DynamoDBClient> {
  if (o.client) return { client: o.client as DynamoDBClient, owned: false };
  return { client: new DynamoDBClient((o.clientConfig ?? {}) as DynamoDBClientConfig), owned: true };
}

/** Returns the injected CloudWatch client, or creates one from its config (HTTP/1.1). */
export function cloudWatchClientOf(o: {
  client?: unknown;
  clientConfig?: Record<string, unknown>;
}): OwnedClient<CloudWatchClient> {
  if (o.client) return { client: o.client as CloudWatchClient, owned: false };
  const config = (o.clientConfig ?? {}) as CloudWatchClientConfig;
  return {
    client: new CloudWatchClient({ ...config, requestHandler: config.requestHandler ?? new NodeHttpHandler() }),
    owned: true,
  };
}

/** Destroys a client only if we created it. */
export function releaseClient(c: OwnedClient<{ destroy(): void }> | undefined): void {
  if (c?.owned) c.client.destroy();
}
