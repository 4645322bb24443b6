import {
  type Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  parse as parseYaml,
} from 'yaml';

/** A path into the config: keys and array indexes, as zod reports them. */
export type ConfigPath = readonly PropertyKey[];

/**
 * One problem in a config file, located where it is.
 *
 * @example
 * ```ts
 * import { type ConfigFileIssue, formatConfigIssue } from '@aiops/pipeline';
 * const issue: ConfigFileIssue = { line: 14, column: 5, path: 'detectors[1].windowMs', message: 'expected a positive integer, got "5s"' };
 * formatConfigIssue('aiops.yaml', issue); // 'aiops.yaml:14:5: detectors[1].windowMs: expected a positive integer, got "5s"'
 * ```
 */
export interface ConfigFileIssue {
  /** 1-based line of the offending value (or of its nearest enclosing node when it is missing). */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
  /** Where in the config, e.g. `detectors[1].windowMs`; empty for the whole document. */
  readonly path: string;
  readonly message: string;
}

/** `detectors[1].windowMs` from `['detectors', 1, 'windowMs']`. */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

/** `['detectors', 1, 'windowMs']` from `detectors.1.windowMs` (the form ConfigError issues use). */
export function splitDottedPath(path: string): PropertyKey[] {
  if (path === '') return [];
  return path.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

/** A parsed YAML config with what it takes to point back into the file. */
export interface ConfigDocument {
  readonly file: string;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
}

/** Parses YAML text, keeping positions; syntax errors come back as issues. */
export function parseConfigDocument(
  text: string,
  file: string,
): { document: ConfigDocument; issues: ConfigFileIssue[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const issues: ConfigFileIssue[] = doc.errors.map((e) => {
    const pos = e.linePos?.[0] ?? { line: 1, col: 1 };
    return { line: pos.line, column: pos.col, path: '', message: `YAML: ${firstLine(e.message)}` };
  });
  return { document: { file, doc, lines }, issues };
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return i < 0 ? s : s.slice(0, i);
}

/**
 * Where a path points in the file: the value's node when it exists, otherwise the nearest enclosing
 * node that does (a missing field is reported at the object that lacks it). With `key`, points at the
 * key of the last segment (for unknown fields).
 */
export function locate(d: ConfigDocument, path: ConfigPath, key = false): { line: number; column: number } {
  let node: unknown = d.doc.contents;
  let at: number | undefined = offsetOf(node);
  for (const [i, seg] of path.entries()) {
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      if (last && key) {
        at = offsetOf(pair.key) ?? at;
        break;
      }
      node = pair.value;
      at = offsetOf(node) ?? offsetOf(pair.key) ?? at;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) break;
      node = item;
      at = offsetOf(node) ?? at;
    } else {
      break;
    }
  }
  const pos = d.lines.linePos(at ?? 0);
  return { line: pos.line, column: pos.col };
}

function offsetOf(node: unknown): number | undefined {
  if (isPair(node)) return offsetOf(node.key);
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}

/** Values an environment variable reference may read. */
export type EnvLookup = Readonly<Record<string, string | undefined>>;

const REF = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${NAME}` (and `${NAME:-fallback}`) in every string value of the document with the
 * variable's value; `$${` stands for a literal `${`. A plain (unquoted) scalar that is exactly one
 * reference takes the type of what it expands to (`port: ${PORT}` gives a number), so numbers and
 * booleans can come from the environment too. Returns an issue per variable that is not set.
 */
export function interpolateEnv(d: ConfigDocument, env: EnvLookup): ConfigFileIssue[] {
  const issues: ConfigFileIssue[] = [];
  const walk = (node: unknown, path: PropertyKey[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const k = isScalar(pair.key) ? String(pair.key.value) : '?';
        walk(pair.value, [...path, k]);
      }
    } else if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) walk(item, [...path, i]);
    } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('${')) {
      const raw = node.value;
      const missing: string[] = [];
      const expanded = raw.replace(REF, (whole, name: string | undefined, fallback: string | undefined) => {
        if (whole === '$${') return '${';
        const value = env[name as string];
        if (value !== undefined && value !== '') return value;
        if (fallback !== undefined) return fallback;
        missing.push(name as string);
        return '';
      });
      if (missing.length > 0) {
        const pos = locate(d, path);
        for (const name of missing) {
          issues.push({
            ...pos,
            path: formatPath(path),
            message: `environment variable ${name} is not set (referenced as \${${name}})`,
          });
        }
        return;
      }
      const whole = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/.test(raw);
      node.value = whole && node.type === 'PLAIN' ? typedScalar(expanded) : expanded;
    }
  };
  walk(d.doc.contents, []);
  return issues;
}

/** A number, boolean or null when the text reads as one in YAML, the text otherwise. */
function typedScalar(text: string): unknown {
  try {
    const v: unknown = parseYaml(text);
    if (typeof v === 'number' || typeof v === 'boolean' || v === null) return v;
  } catch {
    // not a scalar: keep the text
  }
  return text;
}
