import { isNode, isPair, LineCounter, parseDocument } from 'yaml';
import { type FieldPath, joinPath, type RunbookIssue } from './runbook-issue.js';

/** A YAML (or JSON) file parsed with positions, so problems can name their line. */
export interface YamlSource {
  /** The plain data, or `undefined` when the file did not parse. */
  readonly data: unknown;
  /** Syntax problems; empty when the file parsed. */
  readonly issues: readonly RunbookIssue[];
  /** The 1-based line and column of a field, or of its closest parent that exists. */
  locate(path: FieldPath): { line: number; column: number } | undefined;
  /** An issue about a field, placed on its line. */
  issue(path: FieldPath, message: string, severity?: 'error' | 'warning'): RunbookIssue;
}

/** Most bytes a runbook or document file may have. */
export const MAX_FILE_BYTES = 256 * 1024;

/**
 * Parses YAML (JSON is YAML too) keeping line numbers. Duplicate keys, aliases used as bombs and
 * files above {@link MAX_FILE_BYTES} are refused.
 *
 * @example
 * ```ts
 * import { parseYamlSource } from '@aiops/runbook-executor';
 * const src = parseYamlSource('id: x\nrisk: extreme\n', 'runbooks/x.yaml');
 * src.locate(['risk']); // { line: 2, column: 7 }
 * ```
 */
export function parseYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const make = (data: unknown, issues: RunbookIssue[], locate: YamlSource['locate']): YamlSource => ({
    data,
    issues,
    locate,
    issue: (path, message, severity = 'error') => ({
      severity,
      file,
      path: joinPath(path),
      message,
      ...(locate(path) ?? {}),
    }),
  });
  if (Buffer.byteLength(text, 'utf8') > MAX_FILE_BYTES) {
    return make(
      undefined,
      [{ severity: 'error', file, path: '', message: `is larger than ${MAX_FILE_BYTES} bytes` }],
      () => undefined,
    );
  }
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  const toPos = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const locate = (path: FieldPath) => {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return toPos(node.range[0]);
      if (isPair(node) && isNode(node.key) && node.key.range) return toPos(node.key.range[0]);
    }
    return undefined;
  };
  // One syntax error cascades into dozens; the first few say what is wrong.
  const errors = doc.errors.slice(0, 3).map<RunbookIssue>((e) => ({
    severity: 'error',
    file,
    path: '',
    message: `YAML: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
    ...(e.linePos?.[0] ? { line: e.linePos[0].line, column: e.linePos[0].col } : {}),
  }));
  if (errors.length > 0) return make(undefined, errors, locate);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return make(undefined, [{ severity: 'error', file, path: '', message: `YAML: ${(err as Error).message}` }], locate);
  }
  return make(data, [], locate);
}
