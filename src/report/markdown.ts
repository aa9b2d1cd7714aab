// Escaping for the Markdown of job summaries and pull request bodies (report/summary.ts): a
// backtick, a pipe or `<script>` in a name shows as text, never as markup.

/** Markup characters as HTML entities (after the backslash escapes: an entity holds `#`). */
const entities = (text: string): string =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '&#124;')
    .replace(/`/g, '&#96;');

/** Text safe in a Markdown table cell and as HTML: entities for markup, no line breaks. */
export function md(text: string): string {
  return entities(text.replace(/([\\*_[\]~#])/g, '\\$1')).replace(/\r\n|\n|\r|\u2028|\u2029/g, ' ');
}

/**
 * A name shown as code, whatever it holds. Markdown still reads inside <code>, so emphasis and
 * links are escaped too — except an underscore between letters or digits, which cannot start or
 * end emphasis (claim_line_items stays as written).
 */
export const code = (text: string): string =>
  `<code>${entities(
    text
      .replace(/[\\*[\]~#]/g, '\\$&')
      .replace(/_/g, (u, at: number, all: string) =>
        /[\p{L}\p{N}]/u.test(all[at - 1] ?? '') && /[\p{L}\p{N}]/u.test(all[at + 1] ?? '') ? u : '\\_',
      ),
  ).replace(/\r\n|\n|\r|\u2028|\u2029/g, '↵')}</code>`;

/** A fenced block that no run of backticks inside it can close. */
export function fenced(language: string, body: string): string[] {
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}${language}`, body.trimEnd(), fence];
}
