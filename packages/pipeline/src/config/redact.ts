const SECRET_KEY = /token|secret|password|passphrase|apikey|authorization|credential/i;

/**
 * A deep copy of a config with secret-looking values (tokens, secrets, passwords, headers) replaced
 * by `***`, for `aiops run --check --json` and logs.
 */
export function redactSecrets<T>(value: T): T {
  const walk = (v: unknown, key: string, inHeaders: boolean): unknown => {
    if (Array.isArray(v)) return v.map((item) => walk(item, key, false));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, inner] of Object.entries(v)) out[k] = walk(inner, k, k === 'headers' || k === 'env');
      return out;
    }
    if (typeof v === 'string' && (inHeaders || SECRET_KEY.test(key))) return '***';
    return v;
  };
  return walk(value, '', false) as T;
}
