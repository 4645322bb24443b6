import { dirname, isAbsolute, resolve } from 'node:path';
import {
  AiopsError,
  type Analyzer,
  type Clock,
  ConfigError,
  type DeadLetterSink,
  type Decoder,
  type Detector,
  type Executor,
  type Logger,
  MemoryStateStore,
  type Notifier,
  type Source,
  type StateStore,
} from '@aiops/core';
import {
  createAdaptiveDetector,
  createAlarmPassThrough,
  createCusumDetector,
  createErrorRateDetector,
  createEwmaDetector,
  createMadDetector,
  createNewPatternDetector,
  createRateOfChangeDetector,
  createSeasonalDetector,
  createStaticThresholdDetector,
  createTemplateSpikeDetector,
} from '@aiops/detectors';
import {
  createAutoDecoder,
  createCloudWatchLogsDecoder,
  createDynamoDbLeaseCoordinator,
  createDynamoDbStateStore,
  createEventBridgeDecoder,
  createFileCheckpointStore,
  createFileSource,
  createJsonDecoder,
  createKinesisSource,
  createMetricStreamDecoder,
  createStateStoreCheckpointStore,
  createTextLogDecoder,
} from '@aiops/ingest';
import { createBedrockAnalyzer, createOfflineAnalyzer, createRedactor } from '@aiops/llm-analyzer';
import {
  createConsoleNotifier,
  createJiraNotifier,
  createSlackNotifier,
  createSlackWebhookNotifier,
  createWebhookNotifier,
  type RouteMatch,
  routeNotifier,
} from '@aiops/notifiers';
import {
  createFolderCatalog,
  createGitCatalog,
  createRunbookExecutor,
  type RunbookCatalog,
} from '@aiops/runbook-executor';
import { MemoryDeadLetterSink, NdjsonDeadLetterSink } from '../dead-letter.js';
import { FileStateStore } from '../file-store.js';
import { createPipeline, type Pipeline } from '../pipeline.js';
import { defaultDetectors } from './default-detectors.js';
import { optionsOf } from './entry.js';
import { ConfigFileError, type LoadedConfig, zodIssuesToFileIssues } from './load.js';
import type { AiopsConfig, DecoderConfig, DetectorConfig, NotifierConfig, SourceConfig } from './schema.js';
import { type ConfigFileIssue, locate, splitDottedPath } from './yaml-document.js';

/**
 * What {@link buildPipeline} may change in the configured pipeline: `replay` and `deadletter replay`
 * swap the sources, keep side effects off and hold results in memory.
 *
 * @example
 * ```ts
 * import { buildPipeline, loadConfig, type BuildOptions } from '@aiops/pipeline';
 * const options: BuildOptions = { dryRun: true, memoryStore: true };
 * const built = await buildPipeline(await loadConfig('aiops.yaml'), options);
 * ```
 */
export interface BuildOptions {
  readonly logger?: Logger;
  /** Used instead of the configured sources. */
  readonly sources?: readonly Source[];
  /** Used instead of the configured decoders. */
  readonly decoders?: readonly Decoder[];
  /** Executor in dry-run whatever the config says, and notifiers replaced by one console notifier. */
  readonly dryRun?: boolean;
  /** Where the console notifier writes (`dryRun`, or `stream` of a console entry); defaults to stdout. */
  readonly console?: { readonly write: (text: string) => unknown; readonly isTTY?: boolean };
  /** The pipeline's clock (and the memory store's): `replay` runs on the event time of the file. */
  readonly clock?: Clock;
  /** A memory store instead of the configured one. */
  readonly memoryStore?: boolean;
  /** Used instead of the configured dead-letter file. */
  readonly deadLetter?: DeadLetterSink;
  /** Builds every plugin (so their options are checked) but opens no store: for `--check`. */
  readonly check?: boolean;
}

/**
 * A pipeline made from a config, with the parts the command line drives around it.
 *
 * @example
 * ```ts
 * import { buildPipeline, loadConfig, type BuiltPipeline } from '@aiops/pipeline';
 * const built: BuiltPipeline = await buildPipeline(await loadConfig('aiops.yaml'));
 * await built.start();
 * await built.stop();
 * ```
 */
export interface BuiltPipeline {
  readonly pipeline: Pipeline;
  /** The resolved plan, one line per stage, secrets left out. */
  readonly plan: readonly string[];
  readonly sources: readonly Source[];
  readonly store: StateStore;
  readonly deadLetter: DeadLetterSink;
  readonly catalog: RunbookCatalog | undefined;
  /** Loads the runbook catalog (when there is one), then starts the pipeline. */
  start(): Promise<void>;
  /** Stops the pipeline (drain, commits, checkpoints, leases handed back), then the catalog. */
  stop(deadlineMs?: number): Promise<void>;
}

type Collect = <T>(path: readonly PropertyKey[], make: () => T) => T | undefined;

/**
 * Builds the pipeline a validated config describes, with the factories of each package. Options
 * that only a factory checks (a Slack token's shape, a detector's cross-field rule) are reported
 * like schema errors, with the line of the entry: every problem is listed at once in a
 * {@link ConfigFileError}. Relative paths in the config are resolved against its directory.
 *
 * @example
 * ```ts
 * import { buildPipeline, loadConfig } from '@aiops/pipeline';
 * const built = await buildPipeline(await loadConfig('aiops.yaml'));
 * for (const line of built.plan) console.log(line);
 * await built.start();
 * process.once('SIGTERM', () => void built.stop());
 * ```
 */
export async function buildPipeline(loaded: LoadedConfig, options: BuildOptions = {}): Promise<BuiltPipeline> {
  const { config } = loaded;
  const base = dirname(resolve(loaded.file));
  const path = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  const issues: ConfigFileIssue[] = [];
  const collect: Collect = (at, make) => {
    try {
      return make();
    } catch (err) {
      issues.push(...factoryIssues(loaded, at, err));
      return undefined;
    }
  };
  const plan: string[] = [];

  // The store comes first: checkpoints, the executor's records and notifier threads live in it.
  const store = await openStore(config, options, path, collect, plan);
  const sources = options.sources
    ? [...options.sources]
    : config.sources.flatMap((s, i) => collect(['sources', i], () => makeSource(s, store, path, plan)) ?? []);
  if (options.sources) plan.push(`sources: ${options.sources.map((s) => s.name).join(', ')} (replacing the config's)`);

  const decoders = options.decoders
    ? [...options.decoders]
    : (config.decoders ?? [{ type: 'auto' as const }]).flatMap(
        (d, i) => collect(['decoders', i], () => makeDecoder(d)) ?? [],
      );
  plan.push(
    `decoders: ${decoders.map((d) => d.name).join(', ')}${options.decoders || config.decoders ? '' : ' (default)'}`,
  );

  const detectors = makeDetectors(config, collect, plan);

  const { silences = [], inhibitRules = [], ...timings } = config.incidents ?? { silences: [], inhibitRules: [] };
  plan.push(
    `incidents: ${
      Object.entries(timings)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'defaults'
    }; ${silences.length} silence(s), ${inhibitRules.length} inhibit rule(s)`,
  );

  let catalog: RunbookCatalog | undefined;
  const rb = config.runbooks;
  if (rb) {
    catalog = collect(['runbooks'], () => {
      if (rb.type === 'folder') {
        const { type: _t, ...rest } = rb;
        plan.push(`runbooks: folder ${path(rest.dir)}`);
        return createFolderCatalog({ ...rest, dir: path(rest.dir) });
      }
      const git = rb;
      plan.push(`runbooks: git ${git.url} @ ${git.commit ?? git.ref}, cache ${path(git.cacheDir)}`);
      const { type: _t, ...gitRest } = git;
      return createGitCatalog({ ...gitRest, cacheDir: path(git.cacheDir) } as Parameters<typeof createGitCatalog>[0]);
    });
  } else {
    plan.push('runbooks: none (nothing can be proposed or run)');
  }

  const analyzer = makeAnalyzer(config, catalog, collect, plan);
  const executor = makeExecutor(config, catalog, store, options, path, collect, plan);
  const notifiers = makeNotifiers(config, options, collect, plan);

  let deadLetter: DeadLetterSink;
  if (options.deadLetter) {
    deadLetter = options.deadLetter;
  } else if (config.deadLetters) {
    const file = path(config.deadLetters.file);
    deadLetter = new NdjsonDeadLetterSink({
      file,
      ...(config.deadLetters.fsync === undefined ? {} : { fsync: config.deadLetters.fsync }),
    });
    plan.push(`dead letters: ${file}`);
  } else {
    deadLetter = new MemoryDeadLetterSink();
    plan.push('dead letters: memory (give deadLetters.file to keep them)');
  }

  const pipeline = collect([], () =>
    createPipeline({
      sources,
      decoders,
      detectors,
      incidents: { ...timings, silences, inhibitRules },
      ...(analyzer ? { analyzer } : {}),
      ...(executor ? { executor } : {}),
      ...(catalog ? { catalog } : {}),
      notifiers,
      store,
      deadLetter,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(config.fastPath ? { fastPath: config.fastPath } : {}),
      ...(config.slowPath ? { slowPath: config.slowPath } : {}),
    }),
  );
  if (issues.length > 0 || !pipeline) {
    await store.close?.();
    throw new ConfigFileError(loaded.file, issues);
  }
  let stopping: Promise<void> | undefined;
  return {
    pipeline,
    plan,
    sources,
    store,
    deadLetter,
    catalog,
    async start() {
      if (catalog) {
        await catalog.ready();
        await catalog.start?.();
      }
      await pipeline.start();
    },
    stop(deadlineMs) {
      stopping ??= (async () => {
        try {
          await pipeline.stop(deadlineMs === undefined ? {} : { deadlineMs });
        } finally {
          await catalog?.stop?.();
        }
      })();
      return stopping;
    },
  };
}

/** A factory's ConfigError (or any error) as located issues under the entry's path. */
function factoryIssues(loaded: LoadedConfig, at: readonly PropertyKey[], err: unknown): ConfigFileIssue[] {
  if (err instanceof ConfigError || (AiopsError.is(err) && err.code === 'CONFIG_INVALID' && 'issues' in err)) {
    const list = (err as ConfigError).issues;
    if (list.length > 0) {
      return zodIssuesToFileIssues(
        loaded.document,
        list.map((i) => ({ code: 'custom', path: splitDottedPath(i.path), message: i.message, input: undefined })),
        undefined,
        at,
      );
    }
  }
  const pos = locate(loaded.document, at);
  const where = at
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  return [{ ...pos, path: where, message: err instanceof Error ? err.message : String(err) }];
}

async function openStore(
  config: AiopsConfig,
  options: BuildOptions,
  path: (p: string) => string,
  collect: Collect,
  plan: string[],
): Promise<StateStore> {
  const s = config.store ?? { type: 'memory' as const };
  if (options.memoryStore || s.type === 'memory') {
    plan.push(
      `store: memory${options.memoryStore && s.type !== 'memory' ? ` (instead of ${s.type})` : ' (lost on exit)'}`,
    );
    return new MemoryStateStore(options.clock ? { clock: options.clock } : {});
  }
  if (s.type === 'file') {
    plan.push(`store: file ${path(s.dir)}`);
    if (options.check) return new MemoryStateStore();
    const { type: _t, ...rest } = s;
    return FileStateStore.open({ ...rest, dir: path(s.dir) });
  }
  plan.push(`store: dynamodb table ${s.tableName}${s.namespace ? ` namespace ${s.namespace}` : ''}`);
  const { type: _t, region, endpoint, ...rest } = s;
  return (
    collect(['store'], () => createDynamoDbStateStore({ ...rest, clientConfig: clientConfig(region, endpoint) })) ??
    new MemoryStateStore()
  );
}

function clientConfig(region: string | undefined, endpoint: string | undefined): Record<string, unknown> {
  return { ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) };
}

function makeSource(s: SourceConfig, store: StateStore, path: (p: string) => string, plan: string[]): Source {
  if (s.type === 'file') {
    const { type: _t, paths, ...rest } = s;
    const list = (typeof paths === 'string' ? [paths] : paths).map(path);
    plan.push(
      `source ${s.name ?? 'file'}: file ${list.join(', ')} (${s.format ?? 'lines'}${s.resume ? ', resumes' : ''})`,
    );
    return createFileSource({ ...rest, paths: list });
  }
  const { type: _t, region, endpoint, leases, checkpoints, ...rest } = s;
  const client = clientConfig(region, endpoint);
  let position: string;
  let coordination: Record<string, unknown>;
  if (leases) {
    const { region: lr, endpoint: le, ...lease } = leases;
    coordination = {
      coordinator: createDynamoDbLeaseCoordinator({
        ...lease,
        // The region follows the stream's unless given; an endpoint never does (it is Kinesis's).
        clientConfig: clientConfig(lr ?? region, le),
      }),
    };
    position = `leases in DynamoDB table ${leases.tableName}`;
  } else if (checkpoints?.type === 'file') {
    coordination = {
      checkpoints: createFileCheckpointStore({
        path: path(checkpoints.path),
        ...(checkpoints.fsync === undefined ? {} : { fsync: checkpoints.fsync }),
      }),
    };
    position = `checkpoints in ${path(checkpoints.path)}`;
  } else {
    coordination = {
      checkpoints: createStateStoreCheckpointStore({
        store,
        ...(checkpoints?.prefix ? { prefix: checkpoints.prefix } : {}),
      }),
    };
    position = 'checkpoints in the store';
  }
  plan.push(
    `source ${s.name ?? 'kinesis'}: kinesis stream ${s.streamName}${region ? ` (${region})` : ''}, ${position}`,
  );
  return createKinesisSource({ ...rest, clientConfig: client, ...coordination } as Parameters<
    typeof createKinesisSource
  >[0]);
}

/** The decoder of one `decoders` entry (exported for the config tests). */
export function makeDecoder(d: DecoderConfig): Decoder {
  switch (d.type) {
    case 'auto': {
      const { type: _t, json = true, ...rest } = d;
      return createAutoDecoder({ ...rest, ...(json === false ? {} : { json: json === true ? {} : json }) });
    }
    case 'cloudwatch-logs': {
      const { type: _t, ...rest } = d;
      return createCloudWatchLogsDecoder(rest);
    }
    case 'cloudwatch-alarms':
      return createEventBridgeDecoder({ name: d.name ?? 'cloudwatch-alarms' });
    case 'eventbridge':
      return createEventBridgeDecoder(d.name ? { name: d.name } : {});
    case 'metric-streams':
      return createMetricStreamDecoder(d.name ? { name: d.name } : {});
    case 'ndjson': {
      const { type: _t, ...rest } = d;
      return createJsonDecoder({ name: 'ndjson', format: 'ndjson', ...rest });
    }
    case 'text': {
      const { type: _t, ...rest } = d;
      return createTextLogDecoder(rest);
    }
  }
}

const DETECTOR_FACTORIES: Record<DetectorConfig['type'], (options: never) => Detector<unknown>> = {
  'error-rate': createErrorRateDetector,
  'template-spike': createTemplateSpikeDetector,
  'new-pattern': createNewPatternDetector,
  alarm: createAlarmPassThrough,
  adaptive: createAdaptiveDetector,
  'static-threshold': createStaticThresholdDetector,
  ewma: createEwmaDetector,
  mad: createMadDetector,
  cusum: createCusumDetector,
  seasonal: createSeasonalDetector,
  'rate-of-change': createRateOfChangeDetector,
};

function makeDetectors(config: AiopsConfig, collect: Collect, plan: string[]): Detector[] {
  const section = config.detectors ?? { default: true, add: [] };
  const list = Array.isArray(section) ? section : section.add;
  const useDefaults = !Array.isArray(section) && section.default;
  const out: Detector[] = useDefaults ? defaultDetectors() : [];
  list.forEach((d, i) => {
    const at = Array.isArray(section) ? ['detectors', i] : ['detectors', 'add', i];
    const made = collect(at, () => DETECTOR_FACTORIES[d.type](optionsOf(d, new Set(['type'])) as never));
    if (made) out.push(made as Detector);
  });
  plan.push(
    `detectors: ${out.map((d) => d.name).join(', ') || 'none'}${useDefaults ? ` (default set${list.length ? ' plus added' : ''})` : ''}`,
  );
  return out;
}

function makeAnalyzer(
  config: AiopsConfig,
  catalog: RunbookCatalog | undefined,
  collect: Collect,
  plan: string[],
): Analyzer | undefined {
  const a = config.analyzer ?? { type: 'offline' as const };
  if (a.type === 'none') {
    plan.push('analyzer: none');
    return undefined;
  }
  return collect(['analyzer'], () => {
    const entry = a as Record<string, unknown> & { type: 'offline' | 'bedrock' };
    const { type, redaction, region, endpoint, ...rest } = entry as Record<string, unknown>;
    const redactor = createRedactor((redaction ?? {}) as Parameters<typeof createRedactor>[0]);
    const shared = { ...rest, redactor, ...(catalog ? { catalog } : {}) };
    if (type === 'offline') {
      plan.push(`analyzer: offline${config.analyzer ? '' : ' (default)'}`);
      return createOfflineAnalyzer(shared as Parameters<typeof createOfflineAnalyzer>[0]);
    }
    plan.push(`analyzer: bedrock ${String(rest.modelId)}${region ? ` (${String(region)})` : ''}`);
    return createBedrockAnalyzer({
      ...shared,
      clientConfig: clientConfig(region as string | undefined, endpoint as string | undefined),
    } as unknown as Parameters<typeof createBedrockAnalyzer>[0]);
  });
}

function makeExecutor(
  config: AiopsConfig,
  catalog: RunbookCatalog | undefined,
  store: StateStore,
  options: BuildOptions,
  path: (p: string) => string,
  collect: Collect,
  plan: string[],
): Executor | undefined {
  const e = config.executor;
  if (!e || !catalog) {
    plan.push('executor: none (analyses propose, nothing runs)');
    return undefined;
  }
  return collect(['executor'], () => {
    const { local, ssm, audit, guardrails, ...rest } = e;
    const dryRun = options.dryRun ? true : guardrails.dryRun;
    const ways = [
      local ? 'local processes' : undefined,
      ssm ? `Systems Manager${ssm.region ? ` (${ssm.region})` : ''}` : undefined,
    ]
      .filter(Boolean)
      .join(' and ');
    plan.push(
      `executor: ${ways}; dry run ${dryRun === true ? 'on' : dryRun === false ? 'off' : `for ${dryRun.join(', ')}`}` +
        `${options.dryRun && guardrails.dryRun !== true ? ' (forced)' : ''}, at most ${guardrails.maxRunsPerHour} runs/h, ` +
        `cooldown ${guardrails.minCooldownMs} ms, approval from ${guardrails.approval.requiredFromRisk} risk` +
        `${guardrails.approval.required.length ? ` and for ${guardrails.approval.required.join(', ')}` : ''}`,
    );
    const ssmOptions = ssm
      ? (() => {
          const { region, endpoint, ...tuning } = ssm;
          return { ssm: { ...tuning, clientConfig: clientConfig(region, endpoint) } };
        })()
      : {};
    return createRunbookExecutor({
      ...rest,
      catalog,
      store,
      guardrails: { ...guardrails, dryRun },
      ...(local
        ? {
            local: {
              ...local,
              ...(local.cwd ? { cwd: path(local.cwd) } : {}),
              ...(local.runDir ? { runDir: path(local.runDir) } : {}),
            },
          }
        : {}),
      ...ssmOptions,
      ...(audit ? { audit: { ndjsonPath: path(audit.file) } } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    } as Parameters<typeof createRunbookExecutor>[0]);
  });
}

function makeNotifiers(config: AiopsConfig, options: BuildOptions, collect: Collect, plan: string[]): Notifier[] {
  if (options.dryRun) {
    plan.push('notifiers: console (side effects off)');
    return [createConsoleNotifier({ ...(options.console ? { stream: options.console } : {}) })];
  }
  const list: NotifierConfig[] = config.notifiers ?? [{ type: 'console' }];
  const out: Notifier[] = [];
  const described: string[] = [];
  list.forEach((n, i) => {
    const made = collect(['notifiers', i], () => makeNotifier(n, options));
    if (!made) return;
    out.push(made);
    described.push(describeNotifier(n, made.name));
  });
  plan.push(`notifiers: ${described.join(', ') || 'none'}${config.notifiers ? '' : ' (default)'}`);
  return out;
}

function makeNotifier(n: NotifierConfig, options: BuildOptions): Notifier {
  const { type, route, ...rest } = n as NotifierConfig & { route?: RouteMatch; stream?: 'stdout' | 'stderr' };
  let notifier: Notifier;
  switch (type) {
    case 'console': {
      const { stream, ...consoleRest } = rest as { stream?: 'stdout' | 'stderr' };
      const target = stream === 'stderr' ? process.stderr : (options.console ?? process.stdout);
      notifier = createConsoleNotifier({ ...consoleRest, stream: target } as Parameters<
        typeof createConsoleNotifier
      >[0]);
      break;
    }
    case 'slack':
      notifier = createSlackNotifier(rest as Parameters<typeof createSlackNotifier>[0]);
      break;
    case 'slack-webhook':
      notifier = createSlackWebhookNotifier(rest as Parameters<typeof createSlackWebhookNotifier>[0]);
      break;
    case 'jira':
      notifier = createJiraNotifier(rest as Parameters<typeof createJiraNotifier>[0]);
      break;
    case 'webhook':
      notifier = createWebhookNotifier(rest as Parameters<typeof createWebhookNotifier>[0]);
      break;
  }
  return route ? routeNotifier(notifier, route) : notifier;
}

function describeNotifier(n: NotifierConfig, name: string): string {
  const r = n as { route?: RouteMatch; channel?: string; projectKey?: string; url?: string };
  const target = r.channel
    ? ` → ${r.channel}`
    : r.projectKey
      ? ` → ${r.projectKey}`
      : r.url
        ? ` → ${new URL(r.url).host}`
        : '';
  const route = r.route
    ? ` [${Object.entries(r.route)
        .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join('|') : typeof v === 'object' ? JSON.stringify(v) : v}`)
        .join(', ')}]`
    : '';
  return `${n.type}${name !== n.type ? ` "${name}"` : ''}${target}${route}`;
}
