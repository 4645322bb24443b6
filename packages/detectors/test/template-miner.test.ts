import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadLoghub } from '../../../scripts/detectors/loghub-data.js';
import { createTemplateMiner, groupingAccuracy, isPlaceholder, maskMessage, maskToken } from '../src/index.js';

const labelled = readFileSync(new URL('./fixtures/hand-labelled.tsv', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.length > 0 && !l.startsWith('#'))
  .map((l) => {
    const [id, message] = l.split('\t');
    return { id: id!, message: message! };
  });

describe('masking', () => {
  it.each([
    ['12', '<NUM>'],
    ['-3.5e10', '<NUM>'],
    ['1,234,567', '<NUM>'],
    ['10.0.0.7', '<IP>'],
    ['/10.251.43.21:50010', '<IP>'],
    ['fe80::1ff:fe23:4567:890a', '<IP>'],
    ['12:30:45.123', '<TIME>'],
    ['38101a0b-2096-447d-96ea-a692162415ae', '<UUID>'],
    ['0x7f3a', '<HEX>'],
    ['a692162415ae', '<HEX>'],
    ['12ms', '<DURATION>'],
    ['2.5s', '<DURATION>'],
    ['512KB', '<SIZE>'],
    ['99%', '<SIZE>'],
    ['/v2/54fa/servers', '<PATH>'],
    ['node-129', 'node-<NUM>'],
    ['blk_-1608999687919862906', 'blk_-<NUM>'],
    ['(size=512)', '(size=<NUM>)'],
    ['user:1182,', 'user:<NUM>,'],
    ['ee0', '<ID>'],
    ['started', 'started'],
  ])('%s → %s', (token, masked) => {
    expect(maskToken(token)).toBe(masked);
  });

  it('masks every token that holds a digit, and only those', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[!-~]{1,12}$/), { maxLength: 12 }), (tokens) => {
        const masked = maskMessage(tokens.join(' '));
        expect(masked).toHaveLength(tokens.length);
        tokens.forEach((t, i) => {
          if (/\d/.test(t)) expect(masked[i]).not.toMatch(/\d/);
          else expect(masked[i]).toBe(t);
        });
      }),
    );
  });

  it('splits on any white space and ignores repeated spaces', () => {
    expect(maskMessage('  a\tb  c\n')).toEqual(['a', 'b', 'c']);
    expect(maskMessage('')).toEqual([]);
  });

  it('knows its placeholders', () => {
    expect(isPlaceholder('<IP>')).toBe(true);
    expect(isPlaceholder('<*>')).toBe(true);
    expect(isPlaceholder('node-<NUM>')).toBe(false);
  });
});

describe('template miner', () => {
  it('groups a hand-labelled log exactly as labelled', () => {
    const miner = createTemplateMiner();
    const ids = labelled.map((l) => miner.add(l.message).template.id);
    expect(
      groupingAccuracy(
        labelled.map((l) => l.id),
        ids,
      ),
    ).toBe(1);
    expect(new Set(ids).size).toBe(new Set(labelled.map((l) => l.id)).size);
  });

  it('turns differing positions into <*>, and extracts the original values of variable positions', () => {
    const miner = createTemplateMiner();
    miner.add('Payment 5d1e9a77-0000-4c7d-9e8f-0a1b2c3d4e5f declined: insufficient funds');
    const { template, change } = miner.add('Payment 9ab00c11-1111-4c7d-9e8f-0a1b2c3d4e5f declined: card expired');
    expect(change).toBe('updated');
    expect(template.template).toBe('Payment <UUID> declined: <*> <*>');
    expect(miner.parameters(template, 'Payment 9ab00c11-1111-4c7d-9e8f-0a1b2c3d4e5f declined: card expired')).toEqual([
      '9ab00c11-1111-4c7d-9e8f-0a1b2c3d4e5f',
      'card',
      'expired',
    ]);
  });

  it('reports new, updated and unchanged templates, and counts lines', () => {
    const miner = createTemplateMiner();
    expect(miner.add('Worker 3 picked job 1').change).toBe('new');
    expect(miner.add('Worker 4 picked job 2').change).toBe('none');
    expect(miner.templates()[0]).toMatchObject({ template: 'Worker <NUM> picked job <NUM>', count: 2 });
    expect(miner.match('Worker 9 picked job 3')?.template).toBe('Worker <NUM> picked job <NUM>');
    expect(miner.match('something else entirely')).toBeUndefined();
    expect(miner.stats()).toMatchObject({ templates: 1, lines: 2 });
  });

  it('never keeps more than maxTemplates, dropping the least recently used and counting it', () => {
    const miner = createTemplateMiner({ maxTemplates: 50 });
    const word = (i: number, salt: string) =>
      `${salt}${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`;
    for (let i = 0; i < 500; i++) miner.add(`${word(i, 'a')} ${word(i, 'b')} ${word(i, 'c')}`);
    expect(miner.stats().templates).toBe(50);
    expect(miner.stats().evicted).toBe(450);
  });

  it('a restored miner assigns the following lines exactly as the original', () => {
    const lines = labelled.map((l) => l.message);
    const whole = createTemplateMiner();
    const expected = lines.map((l) => [whole.add(l).template.id, whole.add(l).template.template]);
    const first = createTemplateMiner();
    const before = lines.slice(0, 15).map((l) => [first.add(l).template.id, first.add(l).template.template]);
    const second = createTemplateMiner();
    second.restore(JSON.parse(JSON.stringify(first.snapshot())));
    const after = lines.slice(15).map((l) => [second.add(l).template.id, second.add(l).template.template]);
    expect([...before, ...after]).toEqual(expected);
  });

  it('names the offending option', () => {
    expect(() => createTemplateMiner({ similarityThreshold: 0 })).toThrow(/similarityThreshold/);
    expect(() => createTemplateMiner({ depth: 2 })).toThrow(/depth/);
  });
});

describe('groupingAccuracy', () => {
  it('counts a line right only when its predicted group is exactly its true group', () => {
    expect(groupingAccuracy(['a', 'a', 'b', 'b'], [1, 1, 2, 2])).toBe(1);
    expect(groupingAccuracy(['a', 'a', 'b', 'b'], [1, 1, 1, 2])).toBe(0);
    expect(groupingAccuracy(['a', 'a', 'b', 'c'], [1, 1, 2, 2])).toBe(0.5);
    expect(groupingAccuracy(['a', 'a', 'b'], [1, 2, 3])).toBeCloseTo(1 / 3);
  });
});

describe('templates handed out', () => {
  it('are plain JSON however often they matched', () => {
    const miner = createTemplateMiner();
    let last = miner.add('Worker 1 picked job 2');
    for (let i = 0; i < 5; i++) last = miner.add(`Worker ${i} picked job ${i * 7}`);
    expect(JSON.parse(JSON.stringify(last.template))).toMatchObject({
      template: 'Worker <NUM> picked job <NUM>',
      count: 6,
    });
  });
});

const LOGHUB = fileURLToPath(new URL('../../../../shared/data/loghub-2k', import.meta.url));

describe.runIf(existsSync(LOGHUB))('template miner on Loghub 2k', () => {
  it('keeps the grouping accuracy it was benchmarked at, one configuration for every system (mean 0.904)', () => {
    const systems = loadLoghub(LOGHUB);
    const gas = systems.map((s) => {
      const miner = createTemplateMiner();
      return groupingAccuracy(
        s.eventIds,
        s.contents.map((line) => miner.add(line).template.id),
      );
    });
    expect(systems.length).toBeGreaterThanOrEqual(10);
    expect(gas.reduce((a, b) => a + b, 0) / gas.length).toBeGreaterThanOrEqual(0.9);
  });
});
