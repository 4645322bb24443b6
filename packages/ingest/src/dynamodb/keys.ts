/**
 * The partition of a store key: the key up to and including its first `/` (`incident/`,
 * `outbox/`), or `''` for a key without one. Every key that starts with a prefix containing a `/`
 * shares that prefix's partition, which is what makes such a list one Query.
 */
export function partitionOf(key: string): string {
  const slash = key.indexOf('/');
  return slash < 0 ? '' : key.slice(0, slash + 1);
}

/**
 * Orders strings by Unicode code point, which is the UTF-8 byte order DynamoDB sorts range keys
 * in (plain `<` compares UTF-16 units, which differs above U+FFFF).
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdbff;
    const ys = y >= 0xd800 && y <= 0xdbff;
    // A surrogate (code point above U+FFFF) sorts after every BMP unit; two surrogates compare as numbers.
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
