import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import {
  AiopsError,
  type DeadLetterRecord,
  DeadLetterRecordSchema,
  type DeadLetterSink,
  parseOptions,
  parseOrThrow,
  toIssues,
  ValidationError,
} from '@aiops/core';
import { z } from 'zod';

/** The `payload` of a {@link DeadLetterRecord}. */
type DeadLetterPayload = NonNullable<DeadLetterRecord['payload']>;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
// C0 controls other than tab, line feed and carriage return mark binary data, even when it decodes.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const BINARY_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

/**
 * Turns what could not be processed into the `payload` of a dead letter, so it can be replayed after
 * a fix: bytes that are valid UTF-8 text are kept as `utf8` (exactly: decoding and re-encoding gives
 * the same bytes), other bytes as `base64`, and anything else as `json`. Returns `undefined` for
 * `undefined`, and describes values JSON cannot hold (a cycle, a bigint) as `utf8` text.
 *
 * @example
 * ```ts
 * import { toDeadLetterPayload } from '@aiops/pipeline';
 * toDeadLetterPayload(new TextEncoder().encode('{"msg":"hi"}')); // { encoding: 'utf8', data: '{"msg":"hi"}' }
 * toDeadLetterPayload(new Uint8Array([0x1f, 0x8b, 0x08])); // { encoding: 'base64', data: 'H4sI' }
 * toDeadLetterPayload({ type: 'log', timestamp: -1 }); // { encoding: 'json', data: '{"type":"log","timestamp":-1}' }
 * ```
 */
export function toDeadLetterPayload(data: Uint8Array | unknown): DeadLetterPayload | undefined {
  if (data === undefined) return undefined;
  const bytes = asBytes(data);
  if (bytes) {
    try {
      const text = strictUtf8.decode(bytes);
      if (!BINARY_CONTROL.test(text)) return { encoding: 'utf8', data: text };
    } catch {
      // Not UTF-8: fall through to base64.
    }
    return {
      encoding: 'base64',
      data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
    };
  }
  try {
    const json = JSON.stringify(data);
    if (json !== undefined) return { encoding: 'json', data: json };
  } catch {
    // A cycle or a bigint: keep a description rather than nothing.
  }
  return { encoding: 'utf8', data: String(data) };
}

function asBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}

/**
 * Options of {@link MemoryDeadLetterSink}.
 *
 * @example
 * ```ts
 * import type { MemoryDeadLetterSinkOptions } from '@aiops/pipeline';
 * const options: MemoryDeadLetterSinkOptions = { maxRecords: 1_000 };
 * ```
 */
export interface MemoryDeadLetterSinkOptions {
  /** Most records kept; the oldest are dropped (and counted) beyond it. Defaults to 10 000. */
  readonly maxRecords?: number;
}

const MemoryOptionsSchema = z.object({ maxRecords: z.number().int().positive().default(10_000) });

/**
 * A {@link DeadLetterSink} that keeps records in memory: the pipeline's default, and handy in tests.
 * It is bounded: beyond `maxRecords` the oldest record is dropped and counted in `dropped`. Each record
 * is validated and copied on the way in.
 *
 * @example
 * ```ts
 * import { MemoryDeadLetterSink } from '@aiops/pipeline';
 * const sink = new MemoryDeadLetterSink({ maxRecords: 100 });
 * await sink.write({ id: 'dl-1', at: Date.now(), stage: 'decode', reason: 'not gzip' });
 * sink.records.length; // 1
 * ```
 */
export class MemoryDeadLetterSink implements DeadLetterSink {
  readonly #max: number;
  #records: DeadLetterRecord[] = [];
  #dropped = 0;

  constructor(options: MemoryDeadLetterSinkOptions = {}) {
    this.#max = parseOptions(MemoryOptionsSchema, options, 'MemoryDeadLetterSink').maxRecords;
  }

  /** The records kept, oldest first. */
  get records(): readonly DeadLetterRecord[] {
    return this.#records;
  }

  /** How many records were dropped to stay within `maxRecords`. */
  get dropped(): number {
    return this.#dropped;
  }

  async write(record: DeadLetterRecord): Promise<void> {
    const copy = structuredClone(parseOrThrow(DeadLetterRecordSchema, record, 'DeadLetterRecord'));
    this.#records.push(copy);
    if (this.#records.length > this.#max) {
      const over = this.#records.length - this.#max;
      this.#records.splice(0, over);
      this.#dropped += over;
    }
  }

  /**
   * Removes and returns every record kept (the drop counter stays).
   *
   * @example
   * ```ts
   * import { MemoryDeadLetterSink } from '@aiops/pipeline';
   * const sink = new MemoryDeadLetterSink();
   * for (const record of sink.drain()) console.log(record.reason);
   * ```
   */
  drain(): DeadLetterRecord[] {
    const out = this.#records;
    this.#records = [];
    return out;
  }

  async close(): Promise<void> {}
}

/**
 * Options of {@link NdjsonDeadLetterSink}.
 *
 * @example
 * ```ts
 * import type { NdjsonDeadLetterSinkOptions } from '@aiops/pipeline';
 * const options: NdjsonDeadLetterSinkOptions = { file: './.aiops/dead-letters.ndjson', fsync: true };
 * ```
 */
export interface NdjsonDeadLetterSinkOptions {
  /** The file to append to; it and its parent directories are created on the first write. */
  readonly file: string;
  /** `fsync` before a write resolves, so an acknowledged dead letter survives a power cut. Defaults to `true`. */
  readonly fsync?: boolean;
}

const NdjsonOptionsSchema = z.object({ file: z.string().min(1), fsync: z.boolean().default(true) });

interface PendingLine {
  readonly line: string;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * A {@link DeadLetterSink} that appends one JSON record per line to a file, to read back with
 * {@link readDeadLetters} and replay after a fix. A write resolves once its line is written (and
 * `fsync`ed, by default); writes issued together share one append.
 *
 * @example
 * ```ts
 * import { NdjsonDeadLetterSink } from '@aiops/pipeline';
 * const sink = new NdjsonDeadLetterSink({ file: './.aiops/dead-letters.ndjson' });
 * await sink.write({ id: 'dl-1', at: Date.now(), stage: 'decode', reason: 'cloudwatch-logs: not gzip' });
 * await sink.close();
 * ```
 */
export class NdjsonDeadLetterSink implements DeadLetterSink {
  readonly #file: string;
  readonly #fsync: boolean;
  #fh: FileHandle | undefined;
  #queue: PendingLine[] = [];
  #draining: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: NdjsonDeadLetterSinkOptions) {
    const o = parseOptions(NdjsonOptionsSchema, options, 'NdjsonDeadLetterSink');
    this.#file = o.file;
    this.#fsync = o.fsync;
  }

  /** The file this sink appends to. */
  get file(): string {
    return this.#file;
  }

  write(record: DeadLetterRecord): Promise<void> {
    if (this.#closing) {
      return Promise.reject(new AiopsError('UNAVAILABLE', `NdjsonDeadLetterSink: ${this.#file} is closed`));
    }
    let line: string;
    try {
      line = `${JSON.stringify(parseOrThrow(DeadLetterRecordSchema, record, 'DeadLetterRecord'))}\n`;
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ line, resolve, reject });
      this.#kick();
    });
  }

  /** Waits for pending writes, then closes the file. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      while (this.#draining) await this.#draining;
      await this.#fh?.close();
    })();
    return this.#closing;
  }

  #kick(): void {
    if (this.#draining) return;
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined;
      if (this.#queue.length > 0) this.#kick();
    });
  }

  /** Opens the file on first use; a failed open is tried again on the next write. */
  async #handle(): Promise<FileHandle> {
    if (!this.#fh) {
      await mkdir(dirname(this.#file), { recursive: true });
      this.#fh = await open(this.#file, 'a');
    }
    return this.#fh;
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      try {
        const fh = await this.#handle();
        const bytes = Buffer.from(batch.map((p) => p.line).join(''), 'utf8');
        let offset = 0;
        while (offset < bytes.length) {
          offset += (await fh.write(bytes, offset, bytes.length - offset)).bytesWritten;
        }
        if (this.#fsync) await fh.datasync();
        for (const p of batch) p.resolve();
      } catch (err) {
        const failure = new AiopsError('UNAVAILABLE', `NdjsonDeadLetterSink: writing ${this.#file} failed`, {
          cause: err,
          retryable: true,
        });
        for (const p of batch) p.reject(failure);
      }
    }
  }
}

/**
 * One line of a dead-letter file that could not be read back.
 *
 * @example
 * ```ts
 * import { type DeadLetterLineError, readDeadLetters } from '@aiops/pipeline';
 * const describeLine = (e: DeadLetterLineError) => `line ${e.line}: ${e.reason}`;
 * const { errors } = await readDeadLetters('./.aiops/dead-letters.ndjson');
 * for (const e of errors) console.warn(describeLine(e));
 * ```
 */
export interface DeadLetterLineError {
  /** 1-based line number in the file. */
  readonly line: number;
  /** Why: not JSON, or the field that does not match `DeadLetterRecordSchema`. */
  readonly reason: string;
}

/**
 * What {@link readDeadLetters} found: the valid records in file order, and each bad line.
 *
 * @example
 * ```ts
 * import { readDeadLetters, type DeadLettersFile } from '@aiops/pipeline';
 * const { records, errors }: DeadLettersFile = await readDeadLetters('./.aiops/dead-letters.ndjson');
 * ```
 */
export interface DeadLettersFile {
  readonly records: DeadLetterRecord[];
  readonly errors: DeadLetterLineError[];
}

/**
 * Reads an NDJSON dead-letter file (as {@link NdjsonDeadLetterSink} writes it), validating each line
 * against `DeadLetterRecordSchema`. Bad lines do not stop the read: each is reported with its line
 * number and the reason. Blank lines are skipped.
 *
 * @example
 * ```ts
 * import { readDeadLetters } from '@aiops/pipeline';
 * const { records, errors } = await readDeadLetters('./.aiops/dead-letters.ndjson');
 * for (const e of errors) console.warn(`line ${e.line}: ${e.reason}`);
 * for (const r of records) console.log(r.stage, r.reason);
 * ```
 */
export async function readDeadLetters(file: string): Promise<DeadLettersFile> {
  const records: DeadLetterRecord[] = [];
  const errors: DeadLetterLineError[] = [];
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      errors.push({ line: lineNo, reason: `not JSON: ${(err as Error).message}` });
      continue;
    }
    const res = DeadLetterRecordSchema.safeParse(value);
    if (res.success) records.push(res.data);
    else errors.push({ line: lineNo, reason: new ValidationError('DeadLetterRecord', toIssues(res.error)).message });
  }
  return { records, errors };
}
