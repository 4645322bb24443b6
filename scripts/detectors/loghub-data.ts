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

/**
 * Parses CSV text into rows of fields. Fields are slices of the text (flat strings, as a decoder
 * would hand them over), not strings grown a character at a time.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  const n = text.length;
  while (i <= n) {
    let field: string;
    if (text[i] === '"') {
      let j = i + 1;
      let escaped = false;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) throw new Error('unterminated quoted field');
        if (text[q + 1] === '"') {
          escaped = true;
          j = q + 2;
          continue;
        }
        field = text.slice(i + 1, q);
        if (escaped) field = field.replaceAll('""', '"');
        i = q + 1;
        break;
      }
    } else {
      let j = i;
      while (j < n && text[j] !== ',' && text[j] !== '\n' && text[j] !== '\r') j++;
      field = text.slice(i, j);
      i = j;
    }
    row.push(field);
    const c = text[i];
    if (c === ',') {
      i++;
      continue;
    }
    if (c === '\r' && text[i + 1] === '\n') i++;
    rows.push(row);
    row = [];
    i++;
    if (i >= n) break;
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
