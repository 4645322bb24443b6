import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { readConsumerConfig } from '../consumer/pipeline.js';
import { AiopsStack } from '../src/aiops-stack.js';
import { readCatalogDocuments } from '../src/catalog.js';
import { DEFAULT_SETTINGS, settingsFromContext } from '../src/config.js';

const contextOf = (values: Record<string, unknown>) => (key: string) => values[key];

describe('settingsFromContext', () => {
  it('gives the defaults when the context is empty', () => {
    expect(settingsFromContext(contextOf({}))).toEqual(DEFAULT_SETTINGS);
  });

  it('reads strings as the CDK CLI passes them (-c key=value)', () => {
    const s = settingsFromContext(
      contextOf({
        'aiops:consumer': 'ecs',
        'aiops:shardCount': '8',
        'aiops:dryRun': 'false',
        'aiops:logGroups': ' a, ,b ',
      }),
    );
    expect(s).toMatchObject({ consumer: 'ecs', shardCount: 8, dryRun: false, logGroupNames: ['a', 'b'] });
  });

  it('fails naming every bad key', () => {
    const bad = () =>
      settingsFromContext(
        contextOf({
          'aiops:consumer': 'k8s',
          'aiops:shardCount': '0',
          'aiops:dryRun': 'yes',
          'aiops:targetTagKey': 'aws:reserved',
          'aiops:storeNamespace': 'a#b',
          'aiops:bedrockModelId': 'not a model',
        }),
      );
    expect(bad).toThrow(/aiops:consumer must be "lambda" or "ecs", got "k8s"/);
    expect(bad).toThrow(/aiops:shardCount must be an integer from 1 to 500, got "0"/);
    expect(bad).toThrow(/aiops:dryRun must be true or false, got "yes"/);
    expect(bad).toThrow(/aiops:targetTagKey must be an EC2 tag key/);
    expect(bad).toThrow(/aiops:storeNamespace must be non-empty and contain no #/);
    expect(bad).toThrow(/aiops:bedrockModelId must be a Bedrock model or inference profile id/);
  });
});

describe('readConsumerConfig', () => {
  it('names every missing variable', () => {
    expect(() => readConsumerConfig({ AIOPS_DRY_RUN: 'maybe' })).toThrow(
      'consumer configuration: AWS_REGION is not set; AIOPS_INCIDENT_TABLE is not set; AIOPS_RUNBOOKS_DIR is not set; AIOPS_DRY_RUN must be "true" or "false", got "maybe"',
    );
  });

  it('defaults to the aiops namespace and a dry run', () => {
    const c = readConsumerConfig({ AWS_REGION: 'eu-west-1', AIOPS_INCIDENT_TABLE: 'inc', AIOPS_RUNBOOKS_DIR: '/r' });
    expect(c).toMatchObject({
      region: 'eu-west-1',
      storeNamespace: 'aiops',
      dryRun: true,
      automationRoleArn: undefined,
    });
  });
});

describe('the catalog and the automation role', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aiops-cdk-catalog-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses an Automation document it has no permissions for, before anything is bundled', async () => {
    mkdirSync(join(dir, 'runbooks'));
    writeFileSync(
      join(dir, 'runbooks', 'reboot-db.yaml'),
      [
        'id: reboot-db',
        'title: Reboot a database instance',
        'risk: high',
        'approval: required',
        'action:',
        '  type: ssm-automation',
        '  document:',
        '    name: AWS-RebootRdsInstance',
        '',
      ].join('\n'),
    );
    const documents = await readCatalogDocuments(dir);
    expect(documents).toEqual([{ name: 'AWS-RebootRdsInstance', type: 'Automation' }]);
    const app = new App({ outdir: join(dir, 'cdk.out') });
    expect(() => new AiopsStack(app, 'Refused', { settings: DEFAULT_SETTINGS, documents, runbooksDir: dir })).toThrow(
      'Automation document AWS-RebootRdsInstance has no entry in AUTOMATION_PERMISSIONS',
    );
  });

  it('fails on a repository with an invalid runbook instead of narrowing or widening the policy', async () => {
    writeFileSync(join(dir, 'runbooks', 'broken.yaml'), 'id: broken\nrisk: extreme\n');
    await expect(readCatalogDocuments(dir)).rejects.toThrow(/has errors: runbooks\/broken\.yaml/);
  });
});
