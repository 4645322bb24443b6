import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../src/config/load.js';
import { buildPipeline, ConfigFileError, loadConfig, parseConfig } from '../src/index.js';

/** The issues of an invalid config, as `line:column: path: message` strings. */
function issuesOf(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(text, 'aiops.yaml', { env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigFileError);
    return (err as ConfigFileError).issues.map((i) => `${i.line}:${i.column}: ${i.path}: ${i.message}`);
  }
  throw new Error('expected the config to be refused');
}

const FILE_SOURCE = `sources:
  - type: file
    paths: ./app.ndjson
`;

describe('config errors name the line, the column and the field', () => {
  it('a duration written as text where milliseconds are expected', () => {
    const text = `${FILE_SOURCE}detectors:
  - type: error-rate
    windowMs: 10000
  - type: error-rate
    name: fast
    windowMs: 5s
`;
    expect(issuesOf(text)).toEqual([
      '9:15: detectors[1].windowMs: expected an integer >= 100, got "5s" (milliseconds: write 5000)',
    ]);
    try {
      parseConfig(text, 'aiops.yaml', { env: {} });
    } catch (err) {
      expect((err as Error).message).toBe(
        'aiops.yaml:9:15: detectors[1].windowMs: expected an integer >= 100, got "5s" (milliseconds: write 5000)',
      );
    }
  });

  it('unknown fields, with a suggestion inside a plugin entry, and unknown types', () => {
    const text = `${FILE_SOURCE}detectors:
  - type: template-spike
    windowMS: 60000
  - type: nope
store:
  type: file
  dir: ./state
  fsnyc: true
`;
    expect(issuesOf(text)).toEqual([
      '6:5: detectors[0].windowMS: unknown field "windowMS" for type template-spike (did you mean "windowMs"?)',
      '7:11: detectors[1].type: expected one of error-rate, template-spike, new-pattern, alarm, adaptive, static-threshold, ewma, mad, cusum, seasonal, rate-of-change, got "nope"',
      '11:3: store.fsnyc: unknown field "fsnyc" (did you mean "fsync"?)',
    ]);
  });

  it('missing required fields are reported at the entry that lacks them', () => {
    const text = `sources:
  - type: kinesis
    region: eu-west-1
analyzer:
  type: bedrock
  region: us-east-1
`;
    expect(issuesOf(text)).toEqual(['2:5: sources[0].streamName: is required', '5:3: analyzer.modelId: is required']);
  });

  it('wrong types, enum values and bounds, each in the terms of the field', () => {
    const text = `${FILE_SOURCE}incidents:
  groupWaitMs: -1
  silences:
    - id: s1
      matchers: [{ label: service, value: cart }]
      startsAt: 2026-11-24T00:00:00Z
      endsAt: later
notifiers:
  - type: console
    color: sometimes
  - type: webhook
    url: not-a-url
fastPath:
  validateSignals: maybe
`;
    expect(issuesOf(text)).toEqual([
      '5:16: incidents.groupWaitMs: expected a number >= 0, got -1',
      '10:15: incidents.silences[0].endsAt: expected a non-negative number, got "later"',
      '13:12: notifiers[0].color: expected "auto" | "always" | "never", got "sometimes"',
      '15:10: notifiers[1].url: expected a URL, got "not-a-url"',
      '17:20: fastPath.validateSignals: expected "quick" | "full" | "off", got "maybe"',
    ]);
  });

  it('rules across fields: leases and checkpoints together, an executor without runbooks', () => {
    const text = `sources:
  - type: kinesis
    streamName: logs
    checkpoints: { type: file, path: ./cp.json }
    leases: { tableName: aiops-leases }
executor:
  local: {}
`;
    expect(issuesOf(text)).toEqual([
      '5:13: sources[0].leases: give leases (many workers) or checkpoints (one worker), not both',
      '7:3: executor: an executor needs a runbooks section (the catalog it runs from)',
    ]);
  });

  it("a package schema's own rule is reported at the entry's field", () => {
    const text = `${FILE_SOURCE}detectors:
  - type: static-threshold
    threshold: 90
    datapointsToAlarm: 3
    evaluationPeriods: 2
`;
    expect(issuesOf(text)).toEqual([
      '7:24: detectors[0].datapointsToAlarm: datapointsToAlarm must not exceed evaluationPeriods',
    ]);
  });

  it('fields only code can give are refused with the reason', () => {
    const text = `${FILE_SOURCE}analyzer:
  type: bedrock
  modelId: anthropic.claude
  client: {}
`;
    expect(issuesOf(text)).toEqual([
      '7:3: analyzer.client: "client" can only be given in code (createPipeline options), not in a config file',
    ]);
  });

  it('YAML syntax errors point at the line', () => {
    const issues = issuesOf('sources:\n  - type: file\n    paths: [a, b\n');
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]).toMatch(/^\d+:\d+: : YAML: /);
  });

  it('an empty file needs sources', () => {
    expect(issuesOf('')).toEqual(['1:1: sources: is required']);
  });
});

describe('environment variables', () => {
  const text = `${FILE_SOURCE}notifiers:
  - type: slack
    token: \${SLACK_BOT_TOKEN}
    channel: \${SLACK_CHANNEL:-C0123456789}
  - type: webhook
    url: https://hooks.example.com/\${HOOK_PATH}
fastPath:
  flushIntervalMs: \${FLUSH_MS}
  validateSignals: "\${VALIDATE}"
`;

  it('are interpolated; an unquoted whole reference takes the type of its value; fallbacks apply', () => {
    const config = parseConfig(text, 'aiops.yaml', {
      env: { SLACK_BOT_TOKEN: 'xoxb-1', HOOK_PATH: 'a/b', FLUSH_MS: '250', VALIDATE: 'full' },
    });
    expect(config.notifiers?.[0]).toMatchObject({ type: 'slack', token: 'xoxb-1', channel: 'C0123456789' });
    expect(config.notifiers?.[1]).toMatchObject({ url: 'https://hooks.example.com/a/b' });
    expect(config.fastPath?.flushIntervalMs).toBe(250);
    expect(config.fastPath?.validateSignals).toBe('full');
  });

  it('a missing variable is named, with the line of the value that reads it', () => {
    expect(issuesOf(text, { HOOK_PATH: 'x', FLUSH_MS: '1', VALIDATE: 'off' })).toEqual([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a config file's own ${NAME} syntax.
      '6:12: notifiers[0].token: environment variable SLACK_BOT_TOKEN is not set (referenced as ${SLACK_BOT_TOKEN})',
    ]);
  });

  it('$${ stands for a literal ${', () => {
    const config = parseConfig(`${FILE_SOURCE}deadLetters:\n  file: ./dl-$\${NOT_A_VAR}.ndjson\n`, 'aiops.yaml', {
      env: {},
    });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a config file's own ${NAME} syntax.
    expect(config.deadLetters?.file).toBe('./dl-${NOT_A_VAR}.ndjson');
  });
});

describe('factories check what the schema cannot', () => {
  it("a factory's refusal is reported at the entry's line", async () => {
    const loaded = parseConfigText(
      `${FILE_SOURCE}notifiers:
  - type: slack
    token: xoxb-1
    channel: C1
  - type: slack
    token: xoxb-2
    channel: C2
`,
      'aiops.yaml',
      { env: {} },
    );
    const err = await buildPipeline(loaded, { check: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigFileError);
    expect((err as ConfigFileError).message).toBe(
      `aiops.yaml:8:5: notifiers[1].name: "slack" is used twice; names must be unique`,
    );
  });
});

describe('the example config', () => {
  it('examples/config/aiops.yaml validates and builds', async () => {
    const file = fileURLToPath(new URL('../../../examples/config/aiops.yaml', import.meta.url));
    const loaded = await loadConfig(file, { env: {} });
    expect(loaded.config.sources[0]?.type).toBe('file');
    const built = await buildPipeline(loaded, { check: true });
    expect(built.plan.join('\n')).toMatch(/detectors: error-rate, new-pattern, alarm/);
    expect(built.catalog).toBeDefined();
    await built.catalog?.ready();
    expect(built.catalog?.list().map((r) => r.id)).toContain('restart-service');
  });
});
