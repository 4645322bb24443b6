import type {
  ContentBlock,
  ConverseCommandInput,
  ConverseResponse,
  Message,
  Tool,
  ToolChoice,
  ToolUseBlock,
} from '@aws-sdk/client-bedrock-runtime';
import { z } from 'zod';
import { ReplyInvalidError } from './errors.js';
import type { InvestigationContext, InvestigationTool } from './investigation-tool.js';
import type { Redactor } from './redactor.js';
import { parseReport, REPORT_TOOL_NAME, type Report, reportTool } from './report-tool.js';
import type { TokenCounter } from './token-counter.js';

/**
 * Tokens a conversation used, summed over its calls.
 *
 * @example
 * ```ts
 * import type { Usage } from '@aiops/llm-analyzer';
 * const total = (u: Usage) => u.inputTokens + u.outputTokens;
 * ```
 */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

/**
 * What one conversation produced: a report that passed every check, and what it cost.
 *
 * @example
 * ```ts
 * import type { ConversationResult } from '@aiops/llm-analyzer';
 * const line = (r: ConversationResult) => `${r.calls} call(s), ${r.toolCalls} tool call(s)${r.repaired ? ', repaired' : ''}`;
 * ```
 */
export interface ConversationResult {
  readonly report: Report;
  readonly usage: Usage;
  readonly calls: number;
  readonly toolCalls: number;
  readonly repaired: boolean;
}

/** Everything {@link runConversation} needs. */
export interface ConversationInput {
  readonly send: (input: Omit<ConverseCommandInput, 'modelId'>) => Promise<ConverseResponse>;
  readonly system: string;
  readonly prompt: string;
  readonly runbookIds: readonly string[];
  readonly tools: readonly InvestigationTool[];
  readonly maxSteps: number;
  readonly investigationTokens: number;
  readonly maxToolResultTokens: number;
  readonly inference: { maxTokens: number; temperature: number };
  readonly forceToolChoice: boolean;
  /** A check beyond the schema (the proposal guard): the reason to refuse, or undefined. */
  readonly accept: (report: Report) => string | undefined;
  readonly investigation: InvestigationContext;
  readonly counter: TokenCounter;
  readonly redactor: Redactor;
}

/**
 * Runs the tool-use conversation: optional investigation steps (read-only tools, bounded in steps
 * and tokens), then a forced `report_analysis` call, validated with zod and with `accept`; an
 * invalid or refused report gets one repair turn naming what was wrong.
 */
export async function runConversation(input: ConversationInput): Promise<ConversationResult> {
  const usage: Usage = { inputTokens: 0, outputTokens: 0 };
  const specs = toolSpecs(input.runbookIds, input.tools);
  const messages: Message[] = [{ role: 'user', content: [{ text: input.prompt }] }];
  let steps = 0;
  let toolCalls = 0;
  let investigationLeft = input.investigationTokens;
  let calls = 0;
  let repairsLeft = 1;
  for (;;) {
    const investigating = input.tools.length > 0 && steps < input.maxSteps && investigationLeft > 0;
    // Models without forced tool choice (Llama, Cohere, Jamba...) only take `auto`.
    const toolChoice: ToolChoice = !input.forceToolChoice
      ? { auto: {} }
      : investigating
        ? { any: {} }
        : { tool: { name: REPORT_TOOL_NAME } };
    const out = await input.send({
      system: [{ text: input.system }],
      messages,
      inferenceConfig: input.inference,
      toolConfig: { tools: specs, toolChoice },
    });
    calls++;
    usage.inputTokens += out.usage?.inputTokens ?? 0;
    usage.outputTokens += out.usage?.outputTokens ?? 0;
    const content = out.output?.message?.content ?? [];
    const uses = content.flatMap((b) => (b.toolUse ? [b.toolUse] : []));
    const reports = uses.filter((u) => u.name === REPORT_TOOL_NAME);
    const others = uses.filter((u) => u.name !== REPORT_TOOL_NAME);
    let problem: string;
    if (reports.length === 1 && others.length === 0) {
      const parsed = parseReport(reports[0]!.input, input.runbookIds);
      if (parsed.ok) {
        const refused = input.accept(parsed.report);
        if (!refused) return { report: parsed.report, usage, calls, toolCalls, repaired: repairsLeft === 0 };
        problem = `proposal refused: ${refused}`;
      } else {
        problem = `invalid ${REPORT_TOOL_NAME} input: ${parsed.issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`;
      }
    } else if (reports.length > 1) {
      problem = `${REPORT_TOOL_NAME} was called ${reports.length} times; call it exactly once`;
    } else if (others.length > 0 && reports.length === 0 && investigating) {
      const results = await runTools(others, input, investigationLeft);
      investigationLeft -= results.tokens;
      toolCalls += others.length;
      steps++;
      messages.push(assistantTurn(content), { role: 'user', content: results.blocks });
      continue;
    } else if (uses.length > 0) {
      problem = `only ${REPORT_TOOL_NAME} may be called now (got ${uses.map((u) => JSON.stringify(u.name)).join(', ')})`;
    } else {
      problem = `answer with a ${REPORT_TOOL_NAME} tool call, not prose (stop reason ${out.stopReason ?? 'unknown'})`;
    }
    if (repairsLeft === 0) throw new ReplyInvalidError(problem, usage);
    repairsLeft--;
    messages.push(assistantTurn(content), {
      role: 'user',
      content: [
        ...uses.map(
          (u): ContentBlock => ({
            toolResult: { toolUseId: u.toolUseId, status: 'error', content: [{ text: 'not accepted' }] },
          }),
        ),
        {
          text: `Your answer was not accepted: ${clip(problem, 1_500)}. Call ${REPORT_TOOL_NAME} once, with a valid input.`,
        },
      ],
    });
    steps = input.maxSteps; // no more investigation after a repair request
  }
}

/** The tools of a conversation: `report_analysis` for these runbook ids, then the investigation tools. */
export function toolSpecs(runbookIds: readonly string[], tools: readonly InvestigationTool[]): Tool[] {
  return [reportTool(runbookIds), ...tools.map(toolSpecOf)];
}

function toolSpecOf(tool: InvestigationTool): Tool {
  const { $schema: _drop, ...json } = z.toJSONSchema(tool.input) as Record<string, unknown>;
  return { toolSpec: { name: tool.name, description: tool.description, inputSchema: { json: json as never } } };
}

function assistantTurn(content: ContentBlock[]): Message {
  // Bedrock refuses an empty assistant turn; an empty answer is shown as such.
  return { role: 'assistant', content: content.length > 0 ? content : [{ text: '(no answer)' }] };
}

async function runTools(
  uses: readonly ToolUseBlock[],
  input: ConversationInput,
  tokensLeft: number,
): Promise<{ blocks: ContentBlock[]; tokens: number }> {
  const blocks: ContentBlock[] = [];
  let tokens = 0;
  for (const use of uses) {
    const tool = input.tools.find((t) => t.name === use.name);
    let text: string;
    let status: 'success' | 'error' = 'success';
    try {
      if (!tool) throw new Error(`there is no tool named ${JSON.stringify(use.name)}`);
      const parsed = tool.input.safeParse(use.input);
      if (!parsed.success) throw new Error(`invalid input: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
      text = JSON.stringify(await tool.run(parsed.data, input.investigation));
    } catch (err) {
      if (input.investigation.signal.aborted) throw err;
      status = 'error';
      text = `error: ${err instanceof Error ? err.message : String(err)}`;
    }
    const budget = Math.max(0, Math.min(input.maxToolResultTokens, tokensLeft - tokens));
    const fitted = fitTokens(input.redactor.redact(text), budget, input.counter);
    tokens += input.counter.count(fitted);
    blocks.push({ toolResult: { toolUseId: use.toolUseId, status, content: [{ text: fitted }] } });
  }
  return { blocks, tokens };
}

/**
 * Cuts text to fit `budget` tokens, saying so at the end.
 *
 * @example
 * ```ts
 * import { createTokenCounter, fitTokens } from '@aiops/llm-analyzer';
 * fitTokens('a long tool result '.repeat(1_000), 200, createTokenCounter()).endsWith('(truncated)'); // true
 * ```
 */
export function fitTokens(text: string, budget: number, counter: TokenCounter): string {
  if (counter.count(text) <= budget) return text;
  if (budget < 8) return '(truncated: budget exhausted)';
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (counter.count(`${text.slice(0, mid)}… (truncated)`) <= budget) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}… (truncated)`;
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
