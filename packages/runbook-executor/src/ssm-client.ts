import { SSMClient, type SSMClientConfig } from '@aws-sdk/client-ssm';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { z } from 'zod';
import { toSsmError } from './errors.js';

/**
 * The SSM client of a driver: one you made (`client`, never destroyed here), or the configuration
 * to make one (`clientConfig`, destroyed when the driver closes). Never both.
 *
 * @example
 * ```ts
 * import type { SsmClientOption } from '@aiops/runbook-executor';
 * const local: SsmClientOption = { clientConfig: { region: 'eu-west-1', endpoint: 'http://127.0.0.1:4583' } };
 * ```
 */
export type SsmClientOption =
  | { readonly client: SSMClient; readonly clientConfig?: never }
  | { readonly client?: never; readonly clientConfig: SSMClientConfig };

/** Zod shape of {@link SsmClientOption}, for option schemas. */
export const SsmClientOptionSchema = z.union([
  z.object({ client: z.instanceof(SSMClient), clientConfig: z.never().optional() }),
  z.object({ client: z.never().optional(), clientConfig: z.record(z.string(), z.unknown()) }),
]);

/**
 * An SSM client and whether this package made it (and so must destroy it).
 *
 * @example
 * ```ts
 * import { openSsm, type SsmConnection } from '@aiops/runbook-executor';
 * const ssm: SsmConnection = openSsm({ clientConfig: { region: 'eu-west-1' } });
 * ssm.owned; // true: close() destroys the client
 * ```
 */
export interface SsmConnection {
  readonly client: SSMClient;
  readonly owned: boolean;
  /** Sends a command, turning SDK errors into `SsmError`s with `retryable` set. */
  send<O>(operation: string, command: unknown, signal?: AbortSignal): Promise<O>;
  /** Destroys the client if this package made it. Idempotent. */
  close(): void;
}

/**
 * Opens an {@link SsmConnection}: uses the injected client, or makes one from its configuration
 * with the Node HTTP/1.1 handler (which plain local endpoints speak) unless a handler is given.
 *
 * @example
 * ```ts
 * import { openSsm } from '@aiops/runbook-executor';
 * const ssm = openSsm({ clientConfig: { region: 'us-east-1' } });
 * ssm.close();
 * ```
 */
export function openSsm(option: SsmClientOption): SsmConnection {
  const owned = option.client === undefined;
  const client =
    option.client ??
    new SSMClient({
      requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: 30_000 }),
      ...option.clientConfig,
    });
  let closed = false;
  return {
    client,
    owned,
    async send<O>(operation: string, command: unknown, signal?: AbortSignal): Promise<O> {
      try {
        return (await client.send(command as never, signal ? { abortSignal: signal } : {})) as O;
      } catch (err) {
        if (signal?.aborted) throw err;
        throw toSsmError(operation, err);
      }
    },
    close() {
      if (closed || !owned) return;
      closed = true;
      client.destroy();
    },
  };
}
