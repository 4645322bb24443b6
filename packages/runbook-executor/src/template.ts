/**
 * A parsed template: literal text and `{{ name }}` references to runbook parameters, in order.
 *
 * @example
 * ```ts
 * import { parseTemplate } from '@aiops/runbook-executor';
 * const t = parseTemplate('/var/log/{{ service }}');
 * t.ok && t.parts; // ['/var/log/', { ref: 'service' }]
 * ```
 */
export type TemplatePart = string | { readonly ref: string };

const REF = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/**
 * Parses a template. The only syntax is `{{ name }}`, a reference to a runbook parameter: no
 * expressions, no filters, no nesting. A brace pair that is not a valid reference is an error, so a
 * typo never passes through as literal text.
 *
 * @example
 * ```ts
 * import { parseTemplate } from '@aiops/runbook-executor';
 * parseTemplate('{{ service }}').ok; // true
 * parseTemplate('{{ service | upper }}').ok; // false
 * ```
 */
export function parseTemplate(
  text: string,
): { readonly ok: true; readonly parts: readonly TemplatePart[] } | { readonly ok: false; readonly message: string } {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const m of text.matchAll(REF)) {
    const literal = text.slice(last, m.index);
    if (literal.includes('{{') || literal.includes('}}')) return invalid(literal);
    if (literal) parts.push(literal);
    parts.push({ ref: m[1]! });
    last = m.index + m[0].length;
  }
  const tail = text.slice(last);
  if (tail.includes('{{') || tail.includes('}}')) return invalid(tail);
  if (tail) parts.push(tail);
  return { ok: true, parts };
}

function invalid(fragment: string): { ok: false; message: string } {
  return {
    ok: false,
    message: `has a brace pair that is not a parameter reference near ${JSON.stringify(fragment.slice(0, 40))}; write {{ name }}`,
  };
}

/**
 * The parameter names a template refers to (empty for a literal, and for an invalid template).
 *
 * @example
 * ```ts
 * import { templateRefs } from '@aiops/runbook-executor';
 * templateRefs('{{ service }}-{{ env }}'); // ['service', 'env']
 * ```
 */
export function templateRefs(text: string): string[] {
  const parsed = parseTemplate(text);
  if (!parsed.ok) return [];
  return parsed.parts.flatMap((p) => (typeof p === 'string' ? [] : [p.ref]));
}

/**
 * Renders a template with validated parameter values, in one pass: a value is inserted as text and
 * never read as a template again, so a value containing `{{ x }}` stays literal. Throws for a
 * reference without a value (the runbook linter prevents that).
 *
 * @example
 * ```ts
 * import { renderTemplate } from '@aiops/runbook-executor';
 * renderTemplate('restart {{ service }}', { service: 'checkout' }); // 'restart checkout'
 * ```
 */
export function renderTemplate(text: string, values: Readonly<Record<string, string | number | boolean>>): string {
  const parsed = parseTemplate(text);
  if (!parsed.ok) throw new TypeError(`template ${JSON.stringify(text)} ${parsed.message}`);
  let out = '';
  for (const part of parsed.parts) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    const value = values[part.ref];
    if (value === undefined) throw new TypeError(`template ${JSON.stringify(text)}: no value for "${part.ref}"`);
    out += String(value);
  }
  return out;
}
