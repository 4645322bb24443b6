import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../src/config/load.js';
import { buildPipeline } from '../src/index.js';

const doc = fileURLToPath(new URL('../../../docs/configuration.md', import.meta.url));
const env = {
  SLACK_BOT_TOKEN: 'xoxb-doc',
  SLACK_CHANNEL: 'C1',
  FLUSH_MS: '500',
  JIRA_EMAIL: 'ops@example.com',
  JIRA_API_TOKEN: 'jira-token',
  WEBHOOK_SECRET: 'a-secret-of-enough-length',
  SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/X',
};

describe('docs/configuration.md', () => {
  it('every YAML example is a valid config section, and builds', async () => {
    const text = await readFile(doc, 'utf8');
    const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);
    expect(blocks.length).toBeGreaterThan(15);
    for (const [i, block] of blocks.entries()) {
      // Sections shown alone get a source; runbooks are needed by an executor.
      let yaml = block.includes('sources:') ? block : `sources:\n  - type: file\n    paths: ./x.ndjson\n${block}`;
      if (yaml.includes('executor:') && !yaml.includes('runbooks:'))
        yaml += 'runbooks:\n  type: folder\n  dir: ./runbooks\n';
      const loaded = (() => {
        try {
          return parseConfigText(yaml, `configuration.md#yaml-${i + 1}`, { env });
        } catch (err) {
          throw new Error(`example ${i + 1} is invalid:\n${(err as Error).message}\n---\n${block}`);
        }
      })();
      await expect(buildPipeline(loaded, { check: true }), `example ${i + 1}`).resolves.toBeDefined();
    }
  });
});
