import type { Analyzer, Logger, RunbookCatalogView } from '@aiops/core';
import { createBedrockAnalyzer } from './bedrock-analyzer.js';
import type { BedrockAnalyzerOptions } from './bedrock-options.js';
import { createOfflineAnalyzer } from './offline-analyzer.js';

/**
 * The environment variables {@link analyzerFromEnv} reads, and nothing else does: the library never
 * reads the environment on its own.
 *
 * | variable | meaning |
 * | --- | --- |
 * | `AIOPS_BEDROCK_MODEL_ID` | model id or inference profile; unset means the offline analyzer |
 * | `AIOPS_BEDROCK_REGION`, else `AWS_REGION`, else `AWS_DEFAULT_REGION` | region of the Bedrock endpoint |
 * | `AIOPS_BEDROCK_ENDPOINT` | endpoint override (a VPC endpoint, or a local test server) |
 * | `AWS_ACCESS_KEY_ID`, `AWS_PROFILE`, `AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_CONTAINER_CREDENTIALS_*` | any of them means credentials are configured |
 *
 * @example
 * ```ts
 * import { bedrockOptionsFromEnv } from '@aiops/llm-analyzer';
 * bedrockOptionsFromEnv({ AIOPS_BEDROCK_MODEL_ID: 'amazon.nova-lite-v1:0', AWS_REGION: 'us-east-1', AWS_PROFILE: 'ops' });
 * // { modelId: 'amazon.nova-lite-v1:0', clientConfig: { region: 'us-east-1' } }
 * ```
 */
export function bedrockOptionsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): { modelId: string; clientConfig: { region?: string; endpoint?: string } } | undefined {
  const modelId = env.AIOPS_BEDROCK_MODEL_ID?.trim();
  if (!modelId) return undefined;
  const credentials = [
    'AWS_ACCESS_KEY_ID',
    'AWS_PROFILE',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  ].some((k) => (env[k] ?? '').length > 0);
  if (!credentials) return undefined;
  const region = env.AIOPS_BEDROCK_REGION || env.AWS_REGION || env.AWS_DEFAULT_REGION;
  const endpoint = env.AIOPS_BEDROCK_ENDPOINT;
  return {
    modelId,
    clientConfig: { ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) },
  };
}

/**
 * The analyzer the environment asks for: Bedrock when `AIOPS_BEDROCK_MODEL_ID` and AWS credentials
 * are set, else the offline analyzer. Pass `process.env` explicitly; `overrides` go to
 * `createBedrockAnalyzer` (the catalog and logger to both).
 *
 * @example
 * ```ts
 * import { analyzerFromEnv } from '@aiops/llm-analyzer';
 * const analyzer = analyzerFromEnv(process.env);
 * analyzer.name; // 'bedrock' or 'offline'
 * ```
 */
export function analyzerFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  overrides: Omit<BedrockAnalyzerOptions, 'modelId' | 'client' | 'clientConfig'> & {
    catalog?: RunbookCatalogView;
    logger?: Logger;
  } = {},
): Analyzer {
  const found = bedrockOptionsFromEnv(env);
  if (!found) {
    return createOfflineAnalyzer({
      ...(overrides.catalog ? { catalog: overrides.catalog } : {}),
      ...(overrides.logger ? { logger: overrides.logger } : {}),
    });
  }
  return createBedrockAnalyzer({ ...overrides, ...found });
}
