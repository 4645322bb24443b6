import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type ConfigFileError, parseConfig } from '../src/index.js';

const FIELDS = ['windowMs', 'minLines', 'minErrors', 'warmupWindows'] as const;

describe('config error locations (property)', () => {
  it('a bad value anywhere in a detector list is reported at the line and column where it is written', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ windowMs: fc.integer({ min: 100, max: 600_000 }), minLines: fc.integer({ min: 1, max: 500 }) }),
          {
            minLength: 1,
            maxLength: 6,
          },
        ),
        fc.nat(),
        fc.constantFrom(...FIELDS),
        fc.stringMatching(/^[a-z]{1,8}$/),
        fc.boolean(),
        (entries, pick, field, junk, flowStyle) => {
          const at = pick % entries.length;
          const marker = `bad-${junk}`;
          const detectors = entries.map((e, i) => ({
            type: 'error-rate',
            name: `d${i}`,
            ...e,
            ...(i === at ? { [field]: marker } : {}),
          }));
          const text = stringify(
            { sources: [{ type: 'file', paths: './x.ndjson' }], detectors },
            flowStyle ? { collectionStyle: 'flow', lineWidth: 0 } : {},
          );
          let issues: ConfigFileError['issues'] = [];
          try {
            parseConfig(text, 'p.yaml', { env: {} });
          } catch (err) {
            issues = (err as ConfigFileError).issues;
          }
          expect(issues).toHaveLength(1);
          const [issue] = issues;
          expect(issue?.path).toBe(`detectors[${at}].${field}`);
          const lines = text.split('\n');
          const line = lines.findIndex((l) => l.includes(marker)) + 1;
          expect(issue?.line).toBe(line);
          expect(issue?.column).toBe((lines[line - 1] ?? '').indexOf(marker) + 1);
          expect(issue?.message).toContain(`got "${marker}"`);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('environment references expand to exactly the variable’s text inside quoted values', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,12}$/),
        fc.string({ minLength: 1, maxLength: 40 }).filter((v) => !/[\n\r"\\]/.test(v) && !v.includes('${')),
        fc.stringMatching(/^[a-z./-]{0,10}$/),
        (name, value, prefix) => {
          const text = `sources:\n  - type: file\n    paths: "${prefix}\${${name}}"\n`;
          const config = parseConfig(text, 'p.yaml', { env: { [name]: value } });
          expect(config.sources[0]).toMatchObject({ paths: `${prefix}${value}` });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('an unquoted whole reference takes the type of its value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (ms) => {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a config file's own ${NAME} syntax.
        const text = 'sources:\n  - type: file\n    paths: ./x\nfastPath:\n  flushIntervalMs: ${MS}\n';
        expect(parseConfig(text, 'p.yaml', { env: { MS: String(ms) } }).fastPath?.flushIntervalMs).toBe(ms);
      }),
      { numRuns: 50 },
    );
  });
});
