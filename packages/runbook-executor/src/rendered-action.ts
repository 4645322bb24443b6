import type { Clock, Logger } from '@aiops/core';

/**
 * A document kept in the runbook repository, carried with the action so that exactly it runs.
 *
 * @example
 * ```ts
 * import type { RenderedDocument } from '@aiops/runbook-executor';
 * const doc: RenderedDocument = {
 *   path: 'documents/noop.yaml', content: 'schemaVersion: "2.2"\nmainSteps: []\n', format: 'YAML', documentType: 'Command',
 *   digest: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
 * };
 * ```
 */
export interface RenderedDocument {
  readonly path: string;
  readonly content: string;
  readonly format: 'YAML' | 'JSON';
  readonly documentType: 'Command' | 'Automation';
  /** SHA-256 of the content. */
  readonly digest: string;
}

/**
 * An action with every value in place, exactly as it will be sent: what a plan records, what an
 * approver sees, what a dry run prints. Parameters are separate values (SSM document parameters,
 * argv elements, environment values), never text spliced into a command line.
 *
 * @example
 * ```ts
 * import type { RenderedAction } from '@aiops/runbook-executor';
 * const restart: RenderedAction = {
 *   type: 'local', argv: ['systemctl', 'restart', 'checkout'], env: {}, timeoutMs: 60_000,
 * };
 * ```
 */
export type RenderedAction = RenderedSsmCommand | RenderedSsmAutomation | RenderedLocal;

/**
 * A Run Command invocation, ready to send.
 *
 * @example
 * ```ts
 * import type { RenderedSsmCommand } from '@aiops/runbook-executor';
 * const cmd: RenderedSsmCommand = {
 *   type: 'ssm-command', documentName: 'AWS-RunShellScript', parameters: { commands: ['uptime'] },
 *   instanceIds: ['i-0123456789abcdef0'], comment: 'aiops uptime', timeoutMs: 60_000,
 * };
 * ```
 */
export interface RenderedSsmCommand {
  readonly type: 'ssm-command';
  readonly documentName: string;
  readonly document?: RenderedDocument;
  readonly parameters: Readonly<Record<string, string[]>>;
  readonly instanceIds?: readonly string[];
  readonly targets?: ReadonlyArray<{ readonly Key: string; readonly Values: string[] }>;
  readonly maxConcurrency?: string;
  readonly maxErrors?: string;
  readonly timeoutSeconds?: number;
  readonly cloudWatchOutput?: { readonly enabled: boolean; readonly logGroup?: string };
  readonly comment: string;
  readonly timeoutMs: number;
}

/**
 * An Automation execution, ready to start.
 *
 * @example
 * ```ts
 * import type { RenderedSsmAutomation } from '@aiops/runbook-executor';
 * const restart: RenderedSsmAutomation = {
 *   type: 'ssm-automation', documentName: 'AWS-RestartEC2Instance', parameters: { InstanceId: ['i-0123456789abcdef0'] },
 *   acceptsAssumeRole: true, timeoutMs: 900_000,
 * };
 * ```
 */
export interface RenderedSsmAutomation {
  readonly type: 'ssm-automation';
  readonly documentName: string;
  readonly document?: RenderedDocument;
  readonly parameters: Readonly<Record<string, string[]>>;
  readonly assumeRole?: string;
  /** The document declares `AutomationAssumeRole`, so the executor's role may be passed to it. */
  readonly acceptsAssumeRole: boolean;
  readonly timeoutMs: number;
}

/**
 * A local process: argv and environment, no shell.
 *
 * @example
 * ```ts
 * import type { RenderedLocal } from '@aiops/runbook-executor';
 * const local: RenderedLocal = { type: 'local', argv: ['systemctl', 'restart', 'checkout'], env: {}, timeoutMs: 60_000 };
 * ```
 */
export interface RenderedLocal {
  readonly type: 'local';
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Relative to the catalog's folder. */
  readonly cwd?: string;
  readonly timeoutMs: number;
}

/**
 * An execution outside this process that a restarted executor can find again: an SSM command or
 * automation id, or the name of a local process's run in the local driver's `runDir`.
 *
 * @example
 * ```ts
 * import type { ExternalRef } from '@aiops/runbook-executor';
 * const ref: ExternalRef = { kind: 'ssm-command', id: '3b9c4a6e-1b2c-4d5e-8f90-123456789abc' };
 * ```
 */
export interface ExternalRef {
  readonly kind: 'ssm-command' | 'ssm-automation' | 'local';
  readonly id: string;
}

/**
 * What a driver gets besides the action: cancellation, time, where to note the external id as soon
 * as it exists (so a restart resumes instead of running twice), and where to report progress.
 *
 * @example
 * ```ts
 * import { silentLogger, systemClock } from '@aiops/core';
 * import type { DriverContext } from '@aiops/runbook-executor';
 * const ctx: DriverContext = {
 *   planId: 'p1', signal: AbortSignal.timeout(60_000), clock: systemClock, logger: silentLogger,
 *   deadline: Date.now() + 60_000, onStarted: async () => {}, onProgress: () => {},
 * };
 * ```
 */
export interface DriverContext {
  readonly planId: string;
  readonly signal: AbortSignal;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Epoch ms (on `clock`) after which the driver stops the execution and reports `timed-out`. */
  readonly deadline: number;
  /** The catalog's folder, for local actions. */
  readonly root?: string;
  /** Called once the execution exists outside this process; awaited before polling begins. */
  onStarted(external: ExternalRef): Promise<void>;
  /** Called when the execution's status changes (e.g. an automation waits for approval). */
  onProgress(status: string, detail?: Readonly<Record<string, unknown>>): void;
}

/**
 * How a driver says an execution ended.
 *
 * @example
 * ```ts
 * import type { DriverOutcome } from '@aiops/runbook-executor';
 * const ok: DriverOutcome = { status: 'succeeded', output: 'active (running)' };
 * ```
 */
export interface DriverOutcome {
  readonly status: 'succeeded' | 'failed' | 'timed-out' | 'cancelled';
  readonly reason?: string;
  readonly output?: string;
  readonly external?: ExternalRef;
  /** Per-target detail, e.g. the status of each instance. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * Runs one kind of rendered action: Run Command, Automation, or a local process. Implement it to
 * run runbooks somewhere else (a Kubernetes job, a Lambda function).
 *
 * @example
 * ```ts
 * import type { ActionDriver, RenderedLocal } from '@aiops/runbook-executor';
 * const echo: ActionDriver<RenderedLocal> = {
 *   type: 'local',
 *   async run(action) { return { status: 'succeeded', output: action.argv.join(' ') }; },
 * };
 * ```
 */
export interface ActionDriver<A extends RenderedAction = RenderedAction> {
  readonly type: A['type'];
  run(action: A, ctx: DriverContext): Promise<DriverOutcome>;
  /** Follows an execution started before a restart to its end. */
  resume?(external: ExternalRef, action: A, ctx: DriverContext): Promise<DriverOutcome>;
  /**
   * Names an execution before it starts, when the driver can (the local driver with a `runDir`):
   * the executor claims the run record with this ref, so a restart after a crash at any point finds
   * it, and `resume` follows the execution or, if it never began, starts it.
   */
  externalRefFor?(action: A, planId: string): ExternalRef | undefined;
  /** Releases what the driver created (clients it owns). */
  close?(): Promise<void>;
}
