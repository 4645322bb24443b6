const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for HTML and SVG content and attribute values. Everything a report shows comes from
 * logs, findings and models, so all of it is untrusted: no text reaches the page without this.
 * Control characters other than tab and newline are dropped as well (they are not valid in XML).
 */
export function escapeHtml(value: unknown): string {
  return (
    String(value)
      // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters removed
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
      .replace(/[&<>"']/g, (c) => ENTITIES[c]!)
  );
}

/** A finite number for an SVG attribute, rounded to a tenth of a pixel (never `NaN` or `Infinity`). */
export function px(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 10) / 10) : '0';
}
