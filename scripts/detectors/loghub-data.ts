/**
 * Reads Loghub's structured samples: `<folder>/<S>/<S>_2k.log_structured.csv` (any system name),
 * with at least the columns `Content` and `EventId`. A small RFC 4180 reader: quoted fields, doubled
 * quotes, commas and line breaks inside quotes.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One system's messages and their true event ids. */
export interface LoghubSystem {
  readonly name: string;
  readonly contents: readonly string[];
  readonly eventIds: readonly string[];
}

/** Parses CSV text into rows of fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field.length > 0 || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** Every `<S>/<S>_2k.log_structured.csv` (or `<S>/*_structured.csv`) under `folder`, by system name. */
export function loadLoghub(folder: string): LoghubSystem[] {
  const out: LoghubSystem[] = [];
  for (const name of readdirSync(folder).sort()) {
    const dir = join(folder, name);
    if (!statSync(dir).isDirectory()) continue;
    const preferred = join(dir, `${name}_2k.log_structured.csv`);
    const file = existsSync(preferred)
      ? preferred
      : readdirSync(dir)
          .filter((f) => f.endsWith('_structured.csv'))
          .map((f) => join(dir, f))[0];
    if (!file) continue;
    const [header, ...rows] = parseCsv(readFileSync(file, 'utf8'));
    const ci = header!.indexOf('Content');
    const ei = header!.indexOf('EventId');
    if (ci < 0 || ei < 0) throw new Error(`${file}: needs Content and EventId columns`);
    const full = rows.filter((r) => r.length > Math.max(ci, ei));
    out.push({ name, contents: full.map((r) => r[ci]!), eventIds: full.map((r) => r[ei]!) });
  }
  return out;
}
