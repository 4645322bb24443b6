import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AiopsError, ConfigError, type DeadLetterRecord, DeadLetterRecordSchema, ValidationError } from '@aiops/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MemoryDeadLetterSink,
  NdjsonDeadLetterSink,
  readDeadLetters,
  toDeadLetterPayload,
} from '../src/dead-letter.js';

const created: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aiops-dead-letter-'));
  created.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(created.map((d) => rm(d, { recursive: true, force: true })));
});

const record = (i: number, extra: Partial<DeadLetterRecord> = {}): DeadLetterRecord => ({
  id: `dl-${i}`,
  at: 1_700_000_000_000 + i,
  stage: 'decode',
  reason: `cloudwatch-logs: payload ${i} is not gzip`,
  ...extra,
});

describe('toDeadLetterPayload', () => {
  it('keeps UTF-8 text as utf8', () => {
    const text = '{"msg":"héllo ✓ 日本"}\n\tsecond line\r\n';
    expect(toDeadLetterPayload(new TextEncoder().encode(text))).toEqual({ encoding: 'utf8', data: text });
    expect(toDeadLetterPayload(new Uint8Array())).toEqual({ encoding: 'utf8', data: '' });
  });

  it('keeps a byte-order mark, so the bytes come back exactly', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69]);
    const payload = toDeadLetterPayload(bytes)!;
    expect(payload.encoding).toBe('utf8');
    expect(new Uint8Array(Buffer.from(payload.data, 'utf8'))).toEqual(bytes);
  });

  it('uses base64 for bytes that are not UTF-8', () => {
    expect(toDeadLetterPayload(new Uint8Array([0x1f, 0x8b, 0x08]))).toEqual({ encoding: 'base64', data: 'H4sI' });
    // A lone continuation byte, and an overlong encoding of "/".
    expect(toDeadLetterPayload(new Uint8Array([0x61, 0x80]))?.encoding).toBe('base64');
    expect(toDeadLetterPayload(new Uint8Array([0xc0, 0xaf]))?.encoding).toBe('base64');
  });

  it('uses base64 for bytes that decode but hold control characters', () => {
    expect(toDeadLetterPayload(new Uint8Array([0x00, 0x01, 0x02]))).toEqual({ encoding: 'base64', data: 'AAEC' });
    expect(toDeadLetterPayload(new TextEncoder().encode('ab\u001bc'))?.encoding).toBe('base64');
  });

  it('encodes only the bytes a view covers', () => {
    const buf = Buffer.from('xxhello-worldxx');
    expect(toDeadLetterPayload(buf.subarray(2, 13))).toEqual({ encoding: 'utf8', data: 'hello-world' });
    const whole = new Uint8Array([0xff, 0x68, 0x69, 0xff]);
    expect(toDeadLetterPayload(new DataView(whole.buffer, 1, 2))).toEqual({ encoding: 'utf8', data: 'hi' });
    expect(toDeadLetterPayload(whole.buffer)).toEqual({ encoding: 'base64', data: '/2hp/w==' });
  });

  it('round-trips any bytes through its encoding', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array(),
          fc.string({ unit: 'grapheme' }).map((s) => new TextEncoder().encode(s)),
        ),
        (bytes) => {
          const payload = toDeadLetterPayload(bytes)!;
          const back = Buffer.from(payload.data, payload.encoding === 'base64' ? 'base64' : 'utf8');
          expect(new Uint8Array(back)).toEqual(bytes);
        },
      ),
    );
  });

  it('uses json for anything that is not bytes', () => {
    expect(toDeadLetterPayload({ type: 'log', timestamp: -1 })).toEqual({
      encoding: 'json',
      data: '{"type":"log","timestamp":-1}',
    });
    expect(toDeadLetterPayload('text')).toEqual({ encoding: 'json', data: '"text"' });
    expect(toDeadLetterPayload(null)).toEqual({ encoding: 'json', data: 'null' });
  });

  it('describes what JSON cannot hold instead of failing, and gives nothing for undefined', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(toDeadLetterPayload(cyclic)).toEqual({ encoding: 'utf8', data: '[object Object]' });
    expect(toDeadLetterPayload(10n)).toEqual({ encoding: 'utf8', data: '10' });
    expect(toDeadLetterPayload(undefined)).toBeUndefined();
  });
});

describe('MemoryDeadLetterSink', () => {
  it('keeps records in order, as copies', async () => {
    const sink = new MemoryDeadLetterSink();
    const r = record(1, { origin: { source: 'kinesis', shard: 'shardId-0' } });
    await sink.write(r);
    await sink.write(record(2));
    (r.origin as { shard?: string }).shard = 'changed';
    expect(sink.records.map((x) => x.id)).toEqual(['dl-1', 'dl-2']);
    expect(sink.records[0]?.origin?.shard).toBe('shardId-0');
    expect(sink.dropped).toBe(0);
  });

  it('drops the oldest records beyond maxRecords and counts them', async () => {
    const sink = new MemoryDeadLetterSink({ maxRecords: 3 });
    for (let i = 0; i < 5; i++) await sink.write(record(i));
    expect(sink.records.map((x) => x.id)).toEqual(['dl-2', 'dl-3', 'dl-4']);
    expect(sink.dropped).toBe(2);
  });

  it('drain() hands over the records and keeps the drop count', async () => {
    const sink = new MemoryDeadLetterSink({ maxRecords: 1 });
    await sink.write(record(1));
    await sink.write(record(2));
    expect(sink.drain().map((x) => x.id)).toEqual(['dl-2']);
    expect(sink.records).toEqual([]);
    expect(sink.dropped).toBe(1);
  });

  it('refuses an invalid record, naming the field', async () => {
    const sink = new MemoryDeadLetterSink();
    const err = await sink.write({ ...record(1), reason: '' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).message).toMatch(/^Invalid DeadLetterRecord: reason: /);
    expect(sink.records).toEqual([]);
  });

  it('validates its options', () => {
    expect(() => new MemoryDeadLetterSink({ maxRecords: 0 })).toThrow(ConfigError);
    expect(() => new MemoryDeadLetterSink({ maxRecords: 0 })).toThrow(/MemoryDeadLetterSink: maxRecords: /);
  });
});

describe('NdjsonDeadLetterSink', () => {
  it('creates parent directories and appends one JSON record per line', async () => {
    const file = join(await tempDir(), 'nested', 'deeper', 'dead.ndjson');
    const sink = new NdjsonDeadLetterSink({ file });
    const withPayload = record(1, { payload: { encoding: 'utf8', data: 'line one\nline two' } });
    await sink.write(withPayload);
    await sink.write(record(2, { stage: 'notify', plugin: 'slack' }));
    const lines = (await readFile(file, 'utf8')).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(JSON.parse(lines[0]!)).toEqual(withPayload);
    expect(JSON.parse(lines[1]!)).toEqual(record(2, { stage: 'notify', plugin: 'slack' }));
    await sink.close();
  });

  it('has every line written once its write resolves, also for many concurrent writes', async () => {
    const file = join(await tempDir(), 'dead.ndjson');
    const sink = new NdjsonDeadLetterSink({ file });
    await Promise.all(Array.from({ length: 200 }, (_, i) => sink.write(record(i))));
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).id)).toEqual(Array.from({ length: 200 }, (_, i) => `dl-${i}`));
    await sink.close();
  });

  it('appends to an existing file', async () => {
    const file = join(await tempDir(), 'dead.ndjson');
    await writeFile(file, `${JSON.stringify(record(0))}\n`);
    const sink = new NdjsonDeadLetterSink({ file, fsync: false });
    await sink.write(record(1));
    await sink.close();
    expect((await readDeadLetters(file)).records.map((r) => r.id)).toEqual(['dl-0', 'dl-1']);
  });

  it('flushes on close, closes once, and refuses writes after', async () => {
    const file = join(await tempDir(), 'dead.ndjson');
    const sink = new NdjsonDeadLetterSink({ file });
    const pending = sink.write(record(1));
    await Promise.all([sink.close(), sink.close()]);
    await pending;
    expect((await readDeadLetters(file)).records).toHaveLength(1);
    const err = await sink.write(record(2)).catch((e: unknown) => e);
    expect(AiopsError.is(err, 'UNAVAILABLE')).toBe(true);
    expect((err as Error).message).toMatch(/is closed$/);
  });

  it('rejects an invalid record without writing it', async () => {
    const file = join(await tempDir(), 'dead.ndjson');
    const sink = new NdjsonDeadLetterSink({ file });
    await expect(sink.write({ ...record(1), stage: 'parse' as 'decode' })).rejects.toThrow(
      /^Invalid DeadLetterRecord: stage: /,
    );
    await sink.write(record(2));
    expect((await readDeadLetters(file)).records.map((r) => r.id)).toEqual(['dl-2']);
    await sink.close();
  });

  it('rejects with a retryable error when the file cannot be written', async () => {
    const dir = await tempDir();
    // A directory where the file should be.
    const sink = new NdjsonDeadLetterSink({ file: dir });
    const err = await sink.write(record(1)).catch((e: unknown) => e);
    expect(AiopsError.is(err, 'UNAVAILABLE')).toBe(true);
    expect((err as AiopsError).retryable).toBe(true);
    expect((err as Error).message).toContain(dir);
    await sink.close();
  });

  it('validates its options, naming the field', () => {
    expect(() => new NdjsonDeadLetterSink({ file: '' })).toThrow(/^Invalid options for NdjsonDeadLetterSink: file: /);
  });
});

describe('readDeadLetters', () => {
  it('returns valid records and reports each bad line by number', async () => {
    const file = join(await tempDir(), 'dead.ndjson');
    const lines = [
      JSON.stringify(record(1)),
      '',
      '{"id":"dl-2","at":1,"stage":"decode"',
      JSON.stringify({ ...record(3), stage: 'parse' }),
      JSON.stringify(record(4, { payload: { encoding: 'base64', data: 'AAEC' } })),
      '   ',
      JSON.stringify({ ...record(5), at: -1, reason: '' }),
      '[1,2]',
    ];
    await writeFile(file, `${lines.join('\n')}\n`);
    const { records, errors } = await readDeadLetters(file);
    expect(records.map((r) => r.id)).toEqual(['dl-1', 'dl-4']);
    expect(records.every((r) => DeadLetterRecordSchema.safeParse(r).success)).toBe(true);
    expect(errors.map((e) => e.line)).toEqual([3, 4, 7, 8]);
    expect(errors[0]?.reason).toMatch(/^not JSON: /);
    expect(errors[1]?.reason).toMatch(/^Invalid DeadLetterRecord: stage: /);
    expect(errors[2]?.reason).toContain('at: ');
    expect(errors[2]?.reason).toContain('reason: ');
  });

  it('reads a file without a final newline and with CRLF line ends', async () => {
    const file = join(await tempDir(), 'dead.ndjson');
    await writeFile(file, `${JSON.stringify(record(1))}\r\n${JSON.stringify(record(2))}`);
    const { records, errors } = await readDeadLetters(file);
    expect(records.map((r) => r.id)).toEqual(['dl-1', 'dl-2']);
    expect(errors).toEqual([]);
  });

  it('rejects when the file does not exist', async () => {
    await expect(readDeadLetters(join(await tempDir(), 'missing.ndjson'))).rejects.toThrow(/ENOENT/);
  });
});
