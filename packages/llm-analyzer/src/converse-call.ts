import { abortReason } from '@aiops/core';
import {
  type BedrockRuntimeClient,
  type ContentBlock,
  ConverseCommand,
  type ConverseCommandInput,
  type ConverseResponse,
  type Message,
} from '@aws-sdk/client-bedrock-runtime';
import { ModelCallError, toModelCallError } from './errors.js';
import type { Redactor } from './redactor.js';

/**
 * Sends one Converse request: every text and JSON block leaves the process redacted (a last pass,
 * after the context builder's), the call is aborted by `signal` or after `timeoutMs`, and failures
 * come back as {@link ModelCallError}s. An abort of `signal` is rethrown as its reason.
 */
export async function sendConverse(
  client: BedrockRuntimeClient,
  input: ConverseCommandInput & { modelId: string },
  env: { readonly signal: AbortSignal; readonly timeoutMs: number; readonly redactor: Redactor },
): Promise<ConverseResponse> {
  const timeout = AbortSignal.timeout(env.timeoutMs);
  const signal = AbortSignal.any([env.signal, timeout]);
  const request: ConverseCommandInput = {
    ...input,
    ...(input.system
      ? { system: input.system.map((b) => ('text' in b && b.text ? { text: env.redactor.redact(b.text) } : b)) }
      : {}),
    ...(input.messages ? { messages: input.messages.map((m) => redactMessage(m, env.redactor)) } : {}),
  };
  try {
    return await client.send(new ConverseCommand(request), { abortSignal: signal });
  } catch (err) {
    if (env.signal.aborted) throw abortReason(env.signal);
    if (timeout.aborted) {
      throw new ModelCallError('MODEL_TIMEOUT', input.modelId, `no answer within ${env.timeoutMs} ms`, {
        cause: err,
        retryable: true,
      });
    }
    throw toModelCallError(err, input.modelId);
  }
}

function redactMessage(m: Message, redactor: Redactor): Message {
  return { ...m, content: (m.content ?? []).map((b) => redactBlock(b, redactor)) };
}

function redactBlock(b: ContentBlock, redactor: Redactor): ContentBlock {
  if (b.text !== undefined) return { text: redactor.redact(b.text) };
  if (b.toolResult) {
    return {
      toolResult: {
        ...b.toolResult,
        content: (b.toolResult.content ?? []).map((c) =>
          c.text !== undefined
            ? { text: redactor.redact(c.text) }
            : c.json !== undefined
              ? { json: redactor.redactJson(c.json) }
              : c,
        ),
      },
    };
  }
  if (b.toolUse) return { toolUse: { ...b.toolUse, input: redactor.redactJson(b.toolUse.input) } };
  return b;
}
