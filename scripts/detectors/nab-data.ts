/**
 * Reads the Numenta Anomaly Benchmark's layout from a folder: `data/<category>/<file>.csv` with
 * `timestamp,value`, and `labels/combined_windows.json`. Timestamps are read as UTC.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One NAB series: its corpus name (`<category>/<file>.csv`), rows, and labelled windows. */
export interface NabSeries {
  readonly name: string;
  readonly category: string;
  readonly file: string;
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
  /** The timestamps as written in the file, to write results in the benchmark's own layout. */
  readonly rawTimestamps: readonly string[];
  readonly windows: readonly (readonly [number, number])[];
}

/** Parses `2014-04-10 07:15:00[.000000]` as UTC epoch ms. */
export function parseNabTime(text: string): number {
  const t = Date.parse(`${text.trim().replace(' ', 'T').slice(0, 19)}Z`);
  if (Number.isNaN(t)) throw new Error(`not a NAB timestamp: ${text}`);
  return t;
}

/** Reads `timestamp,value[,...]` rows; returns the columns by header name. */
export function readCsvColumns(path: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.length > 0);
  const header = lines[0]!.split(',');
  return { header, rows: lines.slice(1).map((l) => l.split(',')) };
}

/** Every series under `<folder>/data`, with its windows from `<folder>/labels/combined_windows.json`. */
export function loadNabCorpus(folder: string): NabSeries[] {
  const windowsPath = join(folder, 'labels', 'combined_windows.json');
  if (!existsSync(windowsPath)) throw new Error(`no NAB labels at ${windowsPath}`);
  const windows = JSON.parse(readFileSync(windowsPath, 'utf8')) as Record<string, [string, string][]>;
  const out: NabSeries[] = [];
  for (const category of readdirSync(join(folder, 'data')).sort()) {
    const dir = join(folder, 'data', category);
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.csv'))
      .sort()) {
      const name = `${category}/${file}`;
      const { header, rows } = readCsvColumns(join(dir, file));
      const ti = header.indexOf('timestamp');
      const vi = header.indexOf('value');
      out.push({
        name,
        category,
        file,
        rawTimestamps: rows.map((r) => r[ti]!),
        timestamps: Float64Array.from(rows, (r) => parseNabTime(r[ti]!)),
        values: Float64Array.from(rows, (r) => Number(r[vi])),
        windows: (windows[name] ?? []).map(([a, b]) => [parseNabTime(a), parseNabTime(b)] as const),
      });
    }
  }
  return out;
}

/** Reads a detector's published results, `<folder>/<category>/<detector>_<file>.csv`, in corpus order. */
export function loadNabResults(folder: string, detector: string, corpus: readonly NabSeries[]): Float64Array[] {
  return corpus.map((s) => {
    const { header, rows } = readCsvColumns(join(folder, s.category, `${detector}_${s.file}`));
    const si = header.indexOf('anomaly_score');
    if (rows.length !== s.timestamps.length)
      throw new Error(`${s.name}: ${rows.length} results for ${s.timestamps.length} rows`);
    return Float64Array.from(rows, (r) => Number(r[si]));
  });
}
