import {
  AiopsError,
  ConfigError,
  DecodeError,
  describeError,
  PluginError,
  parseOptions,
  parseOrThrow,
  toIssues,
  ValidationError,
} from '@aiops/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

describe('parseOptions', () => {
  const Options = z.object({
    pollIntervalMs: z.number().int().positive().default(1_000),
    stream: z.object({ name: z.string().min(1) }),
  });

  it('applies defaults and returns the parsed options', () => {
    expect(parseOptions(Options, { stream: { name: 'logs' } }, 'createPoller')).toEqual({
      pollIntervalMs: 1_000,
      stream: { name: 'logs' },
    });
  });

  it('throws a ConfigError naming the factory and every offending field', () => {
    let caught: unknown;
    try {
      parseOptions(Options, { pollIntervalMs: -5, stream: { name: '' } }, 'createPoller');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const err = caught as ConfigError;
    expect(err.message).toMatch(/^Invalid options for createPoller: /);
    expect(err.message).toContain('pollIntervalMs: ');
    expect(err.message).toContain('stream.name: ');
    expect(err.issues.map((i) => i.path)).toEqual(['pollIntervalMs', 'stream.name']);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.retryable).toBe(false);
    expect(err.name).toBe('ConfigError');
  });

  it('names a missing nested object', () => {
    expect(() => parseOptions(Options, {}, 'createPoller')).toThrow(/^Invalid options for createPoller: stream: /);
  });

  it('reports a non-object root with an empty path', () => {
    try {
      parseOptions(Options, 'fast', 'createPoller');
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).issues).toHaveLength(1);
      expect((err as ConfigError).issues[0]!.path).toBe('');
      // A root issue is printed without a "path: " prefix.
      expect((err as ConfigError).message).toMatch(/^Invalid options for createPoller: [A-Z]/);
    }
  });
});

describe('toIssues and parseOrThrow', () => {
  it('joins array indexes into dotted paths', () => {
    const res = z.object({ list: z.array(z.object({ n: z.number() })) }).safeParse({ list: [{ n: 1 }, { n: 'x' }] });
    expect(res.success).toBe(false);
    if (!res.success) expect(toIssues(res.error).map((i) => i.path)).toEqual(['list.1.n']);
  });

  it('returns the parsed value with its transforms applied', () => {
    expect(
      parseOrThrow(
        z.string().transform((s) => s.length),
        'abc',
        'Length',
      ),
    ).toBe(3);
  });

  it('throws a ValidationError naming the data and the field', () => {
    expect(() => parseOrThrow(z.object({ a: z.number() }), { a: 'x' }, 'Thing')).toThrow(/^Invalid Thing: a: /);
  });
});

describe('AiopsError', () => {
  it('carries code, retryable, cause and name', () => {
    const cause = new Error('socket hang up');
    const err = new AiopsError('UNAVAILABLE', 'Jira answered 503', { retryable: true, cause });
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.retryable).toBe(true);
    expect(err.cause).toBe(cause);
    expect(err.name).toBe('AiopsError');
    expect(new AiopsError('INTERNAL', 'x').retryable).toBe(false);
    expect('cause' in new AiopsError('INTERNAL', 'x')).toBe(false);
  });

  it('recognises its own errors and subclasses by brand', () => {
    expect(AiopsError.is(new AiopsError('INTERNAL', 'x'))).toBe(true);
    expect(AiopsError.is(new ConfigError('bad'))).toBe(true);
    expect(AiopsError.is(new DecodeError('json', 'bad'))).toBe(true);
  });

  it('recognises an error from another copy of the package that carries the shared brand', () => {
    // What a second installed copy of @aiops/core produces: a different class, the same registered symbol.
    class OtherCopyError extends Error {
      readonly code = 'UNAVAILABLE';
      readonly retryable = true;
      constructor() {
        super('from the other copy');
        Object.defineProperty(this, Symbol.for('@aiops/error'), { value: true, enumerable: false });
      }
    }
    const foreign = new OtherCopyError();
    expect(foreign instanceof AiopsError).toBe(false);
    expect(AiopsError.is(foreign)).toBe(true);
    expect(AiopsError.is(foreign, 'UNAVAILABLE')).toBe(true);
    expect(AiopsError.is(foreign, 'TIMEOUT')).toBe(false);
  });

  it('refuses look-alikes without the brand, or with a brand that is not exactly true', () => {
    expect(AiopsError.is(Object.assign(new Error('x'), { code: 'INTERNAL', retryable: false }))).toBe(false);
    expect(AiopsError.is({ [Symbol.for('@aiops/error')]: 'yes', code: 'INTERNAL' })).toBe(false);
    expect(AiopsError.is({ [Symbol('@aiops/error')]: true, code: 'INTERNAL' })).toBe(false);
    for (const v of [null, undefined, 'AiopsError', 42]) expect(AiopsError.is(v)).toBe(false);
  });

  it('filters by code', () => {
    const err = new ConfigError('bad');
    expect(AiopsError.is(err, 'CONFIG_INVALID')).toBe(true);
    expect(AiopsError.is(err, 'DECODE_FAILED')).toBe(false);
    expect(AiopsError.is(new DecodeError('json', 'bad'), 'DECODE_FAILED')).toBe(true);
  });

  it('keeps the brand out of enumeration and JSON', () => {
    const err = new AiopsError('INTERNAL', 'x');
    expect(Object.getOwnPropertyDescriptor(err, Symbol.for('@aiops/error'))).toMatchObject({
      value: true,
      enumerable: false,
    });
    expect(Object.getOwnPropertySymbols({ ...err })).toEqual([]);
    expect(JSON.stringify(err)).not.toContain('aiops/error');
  });
});

describe('the error subclasses', () => {
  it('ConfigError formats its issues and is never retryable', () => {
    const err = new ConfigError('Invalid pipeline options', [{ path: 'store', message: 'Required' }], {
      retryable: true,
    });
    expect(err.message).toBe('Invalid pipeline options: store: Required');
    expect(err.retryable).toBe(false);
    expect(new ConfigError('plain').message).toBe('plain');
  });

  it('ValidationError formats every issue and prefixes "Invalid"', () => {
    const err = new ValidationError('Finding', [
      { path: 'score', message: 'must be at most 1' },
      { path: '', message: 'bad root' },
    ]);
    expect(err.message).toBe('Invalid Finding: score: must be at most 1; bad root');
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.name).toBe('ValidationError');
  });

  it('DecodeError names the decoder', () => {
    const err = new DecodeError('cloudwatch-logs', 'payload is not gzip');
    expect(err.message).toBe('cloudwatch-logs: payload is not gzip');
    expect(err.decoder).toBe('cloudwatch-logs');
    expect(err.code).toBe('DECODE_FAILED');
  });

  it('PluginError names the stage and plugin and describes the cause', () => {
    const cause = new TypeError('x is undefined');
    const err = new PluginError('detector', 'my-detector', cause);
    expect(err.message).toBe('detector "my-detector" failed: TypeError: x is undefined');
    expect(err.stage).toBe('detector');
    expect(err.plugin).toBe('my-detector');
    expect(err.cause).toBe(cause);
    expect(err.code).toBe('PLUGIN_FAILED');
    expect(err.retryable).toBe(false);
  });

  it('PluginError inherits retryable from an AiopsError cause, unless told otherwise', () => {
    const retryable = new AiopsError('UNAVAILABLE', 'Slack answered 503', { retryable: true });
    expect(new PluginError('notifier', 'slack', retryable).retryable).toBe(true);
    expect(new PluginError('notifier', 'slack', retryable, { retryable: false }).retryable).toBe(false);
    expect(new PluginError('notifier', 'slack', new Error('boom'), { retryable: true }).retryable).toBe(true);
    expect(new PluginError('notifier', 'slack', new ConfigError('bad')).retryable).toBe(false);
    // An AiopsError cause is described without its class name.
    expect(new PluginError('notifier', 'slack', retryable).message).toBe('notifier "slack" failed: Slack answered 503');
  });
});

describe('describeError', () => {
  it('prefixes the class name of non-plain errors', () => {
    expect(describeError(new TypeError('x is undefined'))).toBe('TypeError: x is undefined');
    expect(describeError(new Error('plain'))).toBe('plain');
    expect(describeError(new ConfigError('bad'))).toBe('bad');
  });

  it('describes non-errors', () => {
    expect(describeError('plain string')).toBe('plain string');
    expect(describeError({ status: 503 })).toBe('{"status":503}');
    expect(describeError(42)).toBe('42');
    expect(describeError(undefined)).toBe('undefined');
  });

  it('does not throw on values JSON cannot describe', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(describeError(cyclic)).toBe('[object Object]');
    expect(describeError(10n)).toBe('10');
  });
});
