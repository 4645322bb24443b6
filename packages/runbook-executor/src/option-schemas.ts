import { type Clock, LoggerSchema, type StateStore } from '@aiops/core';
import { z } from 'zod';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** A `Logger` option: anything with `debug`, `info`, `warn` and `error` functions. */
export const LoggerOption = LoggerSchema;

/** A `Clock` option. */
export const ClockOption = z.custom<Clock>(
  (v) => isObject(v) && ['now', 'setTimeout', 'clearTimeout'].every((k) => typeof v[k] === 'function'),
  'must be a clock with now, setTimeout and clearTimeout',
);

/** A `StateStore` option. */
export const StoreOption = z.custom<StateStore>(
  (v) => isObject(v) && ['get', 'put', 'delete', 'list'].every((k) => typeof v[k] === 'function'),
  'must be a state store with get, put, delete and list',
);
