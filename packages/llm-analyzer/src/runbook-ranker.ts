import type { RunbookSummary } from '@aiops/core';
import MiniSearch from 'minisearch';
import type { IncidentFacts } from './incident-facts.js';
import { terms } from './terms.js';

/**
 * How well one runbook fits an incident: the points from its match hints, its BM25 relevance to the
 * evidence text (0 to 1, relative to the best runbook), and which hints matched.
 *
 * @example
 * ```ts
 * import type { RunbookScore } from '@aiops/llm-analyzer';
 * const explain = (s: RunbookScore) => `${s.runbook.id}: ${s.total.toFixed(2)} (${s.matched.join(', ')})`;
 * ```
 */
export interface RunbookScore {
  readonly runbook: RunbookSummary;
  readonly total: number;
  readonly hints: number;
  readonly text: number;
  /** Hints that matched, e.g. `kind:error-rate-spike`, `keyword:disk`. */
  readonly matched: readonly string[];
  /** The runbook names services and none of the incident's services is among them. */
  readonly excluded: boolean;
}

/**
 * Weights of the ranking, exported so the README and the tests state the same numbers.
 *
 * @example
 * ```ts
 * import { RANKING_WEIGHTS } from '@aiops/llm-analyzer';
 * RANKING_WEIGHTS.alarmName; // 3
 * ```
 */
export const RANKING_WEIGHTS = {
  kind: 2,
  detector: 1,
  alarmName: 3,
  series: 1.5,
  logGroup: 1.5,
  service: 0.5,
  keyword: 1.5,
  maxKeywords: 3,
  text: 4,
} as const;

/**
 * Ranks the runbooks of a catalog against an incident's facts, best first: match hints (kinds,
 * detectors, alarm names, series, log groups, services, keywords) plus BM25 retrieval (MiniSearch)
 * of the evidence text over each runbook's title, description, tags and keywords.
 *
 * @example
 * ```ts
 * import { incidentFacts, rankRunbooks } from '@aiops/llm-analyzer';
 * import { makeIncident, makeRunbookSummary } from '@aiops/testing';
 * const [best] = rankRunbooks([makeRunbookSummary()], incidentFacts(makeIncident()));
 * best?.matched; // ['kind:error-rate-spike', 'service:checkout']
 * ```
 */
export function rankRunbooks(runbooks: readonly RunbookSummary[], facts: IncidentFacts): RunbookScore[] {
  if (runbooks.length === 0) return [];
  const text = textScores(runbooks, facts);
  const haystack = [...facts.texts, ...facts.kinds, ...facts.metricNames, ...facts.alarmNames].join('\n').toLowerCase();
  const scores = runbooks.map((runbook) => {
    const m = runbook.match;
    const matched: string[] = [];
    let hints = 0;
    const hit = (label: string, patterns: readonly string[] | undefined, values: Iterable<string>, w: number) => {
      const found = firstMatch(patterns, values);
      if (found === undefined) return false;
      matched.push(`${label}:${found}`);
      hints += w;
      return true;
    };
    hit('kind', m.kinds, facts.kinds, RANKING_WEIGHTS.kind);
    hit('detector', m.detectors, facts.detectors, RANKING_WEIGHTS.detector);
    hit('alarm', m.alarmNames, facts.alarmNames, RANKING_WEIGHTS.alarmName);
    hit('series', m.series, facts.seriesKeys, RANKING_WEIGHTS.series);
    hit('logGroup', m.logGroups, facts.logGroups, RANKING_WEIGHTS.logGroup);
    const serviceHit = hit('service', m.services, facts.services, RANKING_WEIGHTS.service);
    const excluded =
      !serviceHit && (m.services?.length ?? 0) > 0 && !m.services!.includes('*') && facts.services.size > 0;
    let keywords = 0;
    for (const k of m.keywords ?? []) {
      if (keywords >= RANKING_WEIGHTS.maxKeywords) break;
      if (keywordFound(k, haystack)) {
        keywords++;
        matched.push(`keyword:${k}`);
      }
    }
    hints += keywords * RANKING_WEIGHTS.keyword;
    const t = text.get(runbook.id) ?? 0;
    return { runbook, hints, text: t, total: hints + t * RANKING_WEIGHTS.text, matched, excluded };
  });
  return scores.sort(
    (a, b) => Number(a.excluded) - Number(b.excluded) || b.total - a.total || a.runbook.id.localeCompare(b.runbook.id),
  );
}

/**
 * Whether a glob-like pattern (`*` any run of characters, case-insensitive) matches a value.
 *
 * @example
 * ```ts
 * import { globMatch } from '@aiops/llm-analyzer';
 * globMatch('*-5xx', 'checkout-5xx'); // true
 * ```
 */
export function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 'i');
  return re.test(value);
}

function firstMatch(patterns: readonly string[] | undefined, values: Iterable<string>): string | undefined {
  if (!patterns || patterns.length === 0) return undefined;
  for (const v of values) if (patterns.some((p) => globMatch(p, v))) return v;
  return undefined;
}

// A keyword matches as written (any case), at word starts: `disk` finds "Disk full" and "diskspace",
// not "gadisk"; several words must appear in that order, spaces or punctuation between them.
function keywordFound(keyword: string, haystack: string): boolean {
  const words = keyword
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
  if (words.length === 0) return false;
  return new RegExp(`(?<![a-z0-9])${words.map(escapeRegExp).join('[^a-z0-9]{1,3}')}`).test(haystack);
}

function textScores(runbooks: readonly RunbookSummary[], facts: IncidentFacts): Map<string, number> {
  const index = new MiniSearch<{ id: string; title: string; body: string }>({
    fields: ['title', 'body'],
    tokenize: (text) => terms(text),
    processTerm: (t) => t,
    searchOptions: { boost: { title: 1.5 }, tokenize: (text) => terms(text), processTerm: (t) => t },
  });
  index.addAll(
    runbooks.map((r) => ({
      id: r.id,
      title: `${r.title} ${r.id.replace(/-/g, ' ')}`,
      body: [r.description, ...r.tags, ...(r.match.keywords ?? []), ...(r.match.kinds ?? [])].join(' '),
    })),
  );
  const query = [
    ...new Set(terms([...facts.kinds, ...facts.metricNames, ...facts.alarmNames, ...facts.texts].join(' '))),
  ];
  const out = new Map<string, number>();
  if (query.length === 0) return out;
  const results = index.search(query.join(' '), { combineWith: 'OR' });
  const best = results[0]?.score ?? 0;
  for (const r of results) out.set(String(r.id), best > 0 ? r.score / best : 0);
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
