import { z } from 'zod';
import { configErrorMap } from './issue-messages.js';

/** The keys a package's option schema knows (an object's shape; both sides of an intersection). */
export function schemaKeys(schema: z.ZodType): Set<string> {
  const keys = new Set<string>();
  const visit = (s: unknown): void => {
    const def = (s as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
    if (!def) return;
    if (def.type === 'object' && typeof def.shape === 'object' && def.shape) {
      for (const k of Object.keys(def.shape)) keys.add(k);
    } else if (def.type === 'intersection') {
      visit(def.left);
      visit(def.right);
    } else if ('innerType' in def) {
      visit(def.innerType);
    } else if (def.type === 'pipe') {
      visit(def.in);
    }
  };
  visit(schema);
  return keys;
}

/** Every field name anywhere in a schema (objects inside lists, unions, optionals...), for suggestions. */
export function allFieldNames(schema: z.ZodType): string[] {
  const names = new Set<string>();
  const seen = new Set<unknown>();
  const visit = (s: unknown): void => {
    if (!s || seen.has(s)) return;
    seen.add(s);
    const def = (s as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return;
    if (def.type === 'object' && def.shape) {
      for (const [k, v] of Object.entries(def.shape as Record<string, unknown>)) {
        names.add(k);
        visit(v);
      }
    }
    for (const key of ['innerType', 'element', 'left', 'right', 'in', 'out', 'valueType']) visit(def[key]);
    if (Array.isArray(def.options)) for (const o of def.options) visit(o);
  };
  visit(schema);
  return [...names];
}

/** Marks an issue that points at a key (an unknown field) rather than at its value. */
export const AT_KEY = 'aiops:at-key';

/**
 * One entry of a plugin list in the config (`- type: error-rate ...`): `type` picks the factory, the
 * fields in `own` are read by the config itself, and every other field goes to the factory after
 * validation with the factory's own option schema (`options`), so the config accepts exactly what the
 * factory does. Fields that only code can give (a client, a logger, a function) are refused.
 */
export function pluginEntry<T extends string, Own extends z.ZodRawShape = Record<never, never>>(
  type: T,
  options: z.ZodType,
  settings: { readonly own?: Own; readonly codeOnly?: readonly string[] } = {},
) {
  const own = (settings.own ?? {}) as Own;
  const codeOnly = new Set(settings.codeOnly ?? []);
  const known = new Set([...schemaKeys(options)].filter((k) => !codeOnly.has(k)));
  const ownKeys = new Set(['type', ...Object.keys(own)]);
  return z
    .object({ type: z.literal(type), ...own })
    .catchall(z.unknown())
    .superRefine((value, ctx) => {
      const rest = optionsOf(value as Record<string, unknown>, ownKeys);
      for (const k of Object.keys(rest)) {
        if (known.has(k)) continue;
        delete rest[k];
        ctx.addIssue({
          code: 'custom',
          path: [k],
          message: codeOnly.has(k)
            ? `"${k}" can only be given in code (createPipeline options), not in a config file`
            : `unknown field "${k}" for type ${type}${suggest(k, [...known, ...ownKeys])}`,
          params: { [AT_KEY]: true },
        });
      }
      const res = options.safeParse(rest, { error: configErrorMap });
      if (res.success) return;
      for (const issue of res.error.issues) {
        // Unknown keys were reported above; the factory's schema strips them anyway.
        if (issue.code === 'unrecognized_keys') continue;
        ctx.addIssue({ code: 'custom', path: issue.path as PropertyKey[], message: issue.message });
      }
    });
}

/** An entry's fields without those the config reads itself: what goes to the factory. */
export function optionsOf(
  entry: Readonly<Record<string, unknown>>,
  ownKeys: ReadonlySet<string>,
): Record<string, unknown> {
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entry)) if (!ownKeys.has(k)) rest[k] = v;
  return rest;
}

/** ` (did you mean "windowMs"?)` when a known key is close to the unknown one. */
export function suggest(key: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const k of known) {
    const d = distance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best === undefined ? '' : ` (did you mean "${best}"?)`;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] as number;
}
