/**
 * A deep copy of plain JSON data (objects, arrays, strings, numbers, booleans, null), much faster
 * than `structuredClone` for the small records the pipeline copies on every commit. `undefined`
 * object properties are dropped, as JSON would drop them; anything else that JSON cannot hold
 * (functions, class instances other than plain objects and arrays) is a programming error here.
 *
 * @example
 * ```ts
 * import { cloneJson } from '@aiops/core';
 * const a = { list: [1, { b: 2 }] };
 * const b = cloneJson(a);
 * b.list.push(3); // a is unchanged
 * ```
 */
export function cloneJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneJson(value[i]);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = cloneJson(v);
  }
  return out as T;
}
