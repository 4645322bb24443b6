import { HOSTILE_PROBES } from './value-screen.js';

/**
 * Checks a pattern meant to keep values safe: it must compile (as a `u` regular expression), be
 * anchored at both ends (patterns are tested against the whole value, unanchored ones match any
 * value containing a match), and refuse every {@link HOSTILE_PROBES} value. Returns the problem,
 * or `undefined` when the pattern is fine.
 *
 * @example
 * ```ts
 * import { checkSafePattern } from '@aiops/runbook-executor';
 * checkSafePattern('^[a-z0-9-]{1,64}$'); // undefined
 * checkSafePattern('[a-z]+'); // 'is not anchored: write ^...$ so that it applies to the whole value'
 * checkSafePattern('^.*$'); // 'accepts "a;b", a value a shell would split; narrow it'
 * ```
 */
export function checkSafePattern(pattern: string): string | undefined {
  let re: RegExp;
  try {
    re = new RegExp(pattern, 'u');
  } catch (err) {
    return `is not a valid regular expression: ${(err as Error).message}`;
  }
  if (!pattern.startsWith('^') || !pattern.endsWith('$') || pattern.endsWith('\\$')) {
    return 'is not anchored: write ^...$ so that it applies to the whole value';
  }
  const accepted = HOSTILE_PROBES.find((probe) => re.test(probe));
  if (accepted !== undefined) return `accepts ${JSON.stringify(accepted)}, a value a shell would split; narrow it`;
  return undefined;
}
