/**
 * Operations vocabulary: words that name the same thing in logs, metrics and runbook descriptions.
 * Each group is indexed and searched as its first word, so `ENOSPC` in a log line finds a runbook
 * that says "disk space", and `OOMKilled` finds one that says "memory".
 */
const CONCEPTS: readonly (readonly string[])[] = [
  ['disk', 'enospc', 'filesystem', 'volume', 'inode', 'inodes', 'diskspaceutilization', 'space'],
  ['memory', 'oom', 'oomkilled', 'heap', 'outofmemoryerror', 'memoryutilization', 'rss', 'swap', 'leak', 'gc'],
  ['cpu', 'cpuutilization', 'load', 'cpucreditbalance', 'steal'],
  ['throttle', 'throttled', 'throttling', 'throttlingexception', 'ratelimit', 'ratelimited', '429', 'toomanyrequests'],
  ['connection', 'connections', 'pool', 'hikari', 'hikaricp', 'econnreset', 'econnrefused', 'socket'],
  ['timeout', 'timedout', 'etimedout', 'deadline', 'latency', 'slow'],
  ['unavailable', '503', '502', '504', '5xx', 'badgateway', 'unhealthy', 'unreachable'],
  ['deploy', 'deployment', 'deployed', 'release', 'rollout', 'version', 'codedeploy', 'revision', 'rollback'],
  ['cache', 'redis', 'memcached', 'elasticache', 'evictions', 'stale'],
  ['restart', 'restarted', 'crash', 'crashloop', 'crashloopbackoff', 'hung', 'stuck', 'deadlock', 'unresponsive'],
  ['scale', 'capacity', 'autoscaling', 'asg', 'saturation', 'queue', 'backlog', 'overloaded'],
  ['instance', 'ec2', 'host', 'node', 'statuscheckfailed', 'statuscheck', 'reboot'],
  ['database', 'db', 'rds', 'postgres', 'postgresql', 'mysql', 'aurora', 'jdbc', 'sql'],
  ['error', 'errors', 'exception', 'failed', 'failure', 'fatal'],
];

const CANON = new Map<string, string>();
for (const group of CONCEPTS) for (const w of group) CANON.set(w, group[0]!);

const STOP = new Set(
  'a an and are as at be by for from has have in is it its of on or that the this to was were will with not no into after before than then via per'.split(
    ' ',
  ),
);

/**
 * Splits text into search terms: camelCase and snake_case apart, lower-cased, stop words and pure
 * numbers (other than HTTP-ish status codes) and ids dropped, light suffix stripping, and words of
 * the operations vocabulary mapped to their concept.
 *
 * @example
 * ```ts
 * import { terms } from '@aiops/llm-analyzer';
 * terms('ENOSPC: no space left on device'); // ['disk', 'disk', 'disk', 'disk', 'left', 'device']
 * ```
 */
export function terms(text: string): string[] {
  const out: string[] = [];
  const spaced = text.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2');
  const joined = text.toLowerCase().match(/[a-z][a-z0-9]{2,}/g) ?? [];
  for (const w of joined) if (CANON.has(w)) out.push(CANON.get(w)!);
  for (const raw of spaced.toLowerCase().split(/[^a-z0-9]+/)) {
    const t = normalise(raw);
    if (t) out.push(t);
  }
  return out;
}

/**
 * One word as {@link terms} indexes it, or `undefined` when it carries no meaning for search.
 *
 * @example
 * ```ts
 * import { normalise } from '@aiops/llm-analyzer';
 * normalise('OOMKilled'.toLowerCase()); // 'memory'
 * normalise('the'); // undefined
 * ```
 */
export function normalise(raw: string): string | undefined {
  if (raw.length < 2 || raw.length > 40 || STOP.has(raw)) return undefined;
  if (/^\d+$/.test(raw)) return /^[45]\d\d$/.test(raw) ? (CANON.get(raw) ?? raw) : undefined;
  if (/\d/.test(raw) && /[a-z]/.test(raw) && raw.length > 8) return undefined; // ids, hashes
  const canon = CANON.get(raw);
  if (canon) return canon;
  const stem = raw.length > 5 ? raw.replace(/(?:ing|ed|es|s)$/, '') : raw;
  return CANON.get(stem) ?? stem;
}
