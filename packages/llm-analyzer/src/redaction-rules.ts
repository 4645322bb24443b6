/**
 * One redaction rule: a global regular expression and how to rewrite a match. `replace` receives the
 * match and returns the text that takes its place; the default replaces the whole match with
 * `[REDACTED:<name>]`.
 *
 * @example
 * ```ts
 * import type { RedactionRule } from '@aiops/llm-analyzer';
 * const employeeIds: RedactionRule = { name: 'employee-id', pattern: /\bEMP-\d{6}\b/g };
 * ```
 */
export interface RedactionRule {
  readonly name: string;
  /** Matched with `String.prototype.replace`; the `g` flag is added when missing. */
  readonly pattern: RegExp;
  readonly replace?: (match: string, ...groups: string[]) => string;
}

/** The text put in place of a secret found by the rule `name`. */
export const placeholder = (name: string): string => `[REDACTED:${name}]`;

const P = placeholder;

// Key names whose value is a secret, in any case; camelCase prefixes and suffixes are allowed
// (dbPassword, accessToken), a lower-case continuation is not (tokenizer, max_tokens).
const SECRET_WORDS = [
  'password',
  'passwords',
  'passwd',
  'passphrase',
  'pwd',
  'secret',
  'secrets',
  'token',
  'api_key',
  'api-key',
  'apikey',
  'access_key',
  'access-key',
  'accesskey',
  'private_key',
  'private-key',
  'privatekey',
  'client_secret',
  'clientsecret',
  'credential',
  'credentials',
  'authorization',
  'auth_token',
  'authtoken',
  'session_id',
  'sessionid',
  'session_key',
  'session_token',
  'cookie',
  'set-cookie',
  'signature',
  'security_token',
  'security-token',
  'securitytoken',
];
const anyCase = (word: string): string =>
  word.replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`).replace(/[_-]/g, '[_-]?');
const SECRET_KEY = `[A-Za-z0-9_.-]*?(?:${SECRET_WORDS.map(anyCase).join('|')})(?![a-z])[A-Za-z0-9_.-]*`;
// Suffixes that turn a secret-sounding key into a harmless one: token_type, passwordLength...
const HARMLESS_SUFFIX =
  /(?:count|counts|size|len|length|limit|ttl|type|method|url|uri|name|timeout|policy|status|provider|scheme|mode|version|enabled|required|expiry|expires|expired|reset|rotated|age|min|max|rule|hint|file|path|id_prefix)$/i;

const SECRET_KEY_WHOLE = new RegExp(`^${SECRET_KEY}$`);

/**
 * Whether a field name holds a secret (`password`, `db_password`, `apiKey`, `Authorization`...) and
 * is not one of the harmless look-alikes (`token_type`, `password_length`, `max_tokens`...).
 *
 * @example
 * ```ts
 * import { isSecretKey } from '@aiops/llm-analyzer';
 * isSecretKey('client_secret'); // true
 * isSecretKey('token_type'); // false
 * ```
 */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY_WHOLE.test(key) && !HARMLESS_SUFFIX.test(key);
}

const keyValue = new RegExp(
  // 1: opening quote of the key (optionally backslash-escaped), 2: key, 3: separator with spacing
  `(\\\\?["']?)\\b(${SECRET_KEY})\\1(\\s*[:=]\\s*)` +
    // 4: quoted value (JSON, escaped JSON) or 5: bare value up to a separator
    `(?:(\\\\?"(?:[^"\\\\\\n]|\\\\[^"\\n])*\\\\?"|'[^'\\n]*')|((?:(?:Bearer|Basic|Digest|Token)\\s+)?[^\\s,;&"'}\\]<>]+))`,
  'g',
);

/**
 * The built-in rules, applied in this order. Order matters: a private key block or a connection
 * string is removed whole before narrower rules look inside it.
 *
 * | name | finds |
 * | --- | --- |
 * | `private-key` | `-----BEGIN ... PRIVATE KEY-----` blocks (to the END line, or to the end of the text) |
 * | `connection-string` | `scheme://user:password@host` (the credentials, the host is kept) |
 * | `jwt` | JSON Web Tokens (`eyJ...`.`eyJ...`.`...`) |
 * | `secret-value` | values of keys such as password, secret, token, api_key, authorization, cookie (key=value, key: value, JSON) |
 * | `bearer-token` | `Bearer <token>` and `Basic <credentials>` outside a key |
 * | `aws-access-key-id` | `AKIA...`, `ASIA...` and the other AWS key id prefixes |
 * | `aws-secret-key` | 40-character AWS secret access keys |
 * | `vendor-token` | GitHub, Slack, Stripe, Google API, npm tokens by their prefixes |
 * | `email` | e-mail addresses |
 * | `ipv4`, `ipv6` | IP addresses (only when `ipAddresses` is on) |
 *
 * @example
 * ```ts
 * import { BUILT_IN_RULES } from '@aiops/llm-analyzer';
 * BUILT_IN_RULES.map((r) => r.name); // ['private-key', 'connection-string', ...]
 * ```
 */
export const BUILT_IN_RULES: readonly RedactionRule[] = [
  {
    name: 'private-key',
    pattern:
      /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----[\s\S]*?(?:-----END \1PRIVATE KEY\2-----|(?![\s\S]))/g,
  },
  {
    name: 'connection-string',
    pattern: /\b([a-zA-Z][a-zA-Z0-9+.-]{1,30}):\/\/([^\s:/@'"<>]*):([^\s@/'"<>]+)@/g,
    replace: (_m, scheme) => `${scheme}://${P('connection-string')}@`,
  },
  { name: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g },
  {
    name: 'secret-value',
    pattern: keyValue,
    replace: (match, quote, key, sep, quoted, bare) => {
      if (HARMLESS_SUFFIX.test(key)) return match;
      const value = quoted ?? bare ?? '';
      if (value.includes('[REDACTED:') || value.length === 0) return match;
      if (quoted) {
        const q = quoted.startsWith('\\"') ? '\\"' : quoted[0];
        return `${quote}${key}${quote}${sep}${q}${P('secret')}${q}`;
      }
      return `${quote}${key}${quote}${sep}${P('secret')}`;
    },
  },
  {
    name: 'bearer-token',
    // At least one digit: opaque tokens have them, English words ("Basic authentication") do not.
    pattern: /\b(Bearer|Basic)\s+(?!\[REDACTED)(?=[A-Za-z\-._~+/]*[0-9])[A-Za-z0-9\-._~+/]{12,}=*/g,
    replace: (_m, scheme) => `${scheme} ${P('bearer-token')}`,
  },
  {
    name: 'aws-access-key-id',
    pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z0-9]{16}\b/g,
  },
  {
    name: 'aws-secret-key',
    pattern:
      /(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]*[A-Z])(?=[A-Za-z0-9/+]*[a-z])(?=[A-Za-z0-9/+]*[0-9])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
  },
  {
    name: 'vendor-token',
    pattern:
      /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,}|xox[abposr]-[A-Za-z0-9-]{10,}|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_-]{35}|npm_[A-Za-z0-9]{36})\b/g,
  },
  { name: 'email', pattern: /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}\b/g },
];

/**
 * Rules for IP addresses, off by default (internal addresses often matter to the diagnosis): turn
 * them on with `createRedactor({ ipAddresses: true })`.
 *
 * @example
 * ```ts
 * import { IP_RULES } from '@aiops/llm-analyzer';
 * IP_RULES.map((r) => r.name); // ['ipv4', 'ipv6']
 * ```
 */
export const IP_RULES: readonly RedactionRule[] = [
  {
    name: 'ipv4',
    pattern: /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.]*\d)/g,
  },
  {
    name: 'ipv6',
    pattern:
      /(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,7}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})?(?![0-9A-Fa-f:])/g,
  },
];
