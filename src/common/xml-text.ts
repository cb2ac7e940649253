/**
 * Text from anywhere (Airflow's notes, task ids, file names are hostile) made safe for XML 1.0
 * content and quoted attribute values. The five escapes are HTML's too.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * What XML 1.0 does not allow in a document at all, escaped or not: C0 controls but tab, line feed
 * and carriage return, lone surrogates, U+FFFE and U+FFFF. One of them makes a parser stop reading.
 */
const FORBIDDEN = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** The same, for a test: most text has nothing to change, and is kept as it is without a copy. */
const ANY_FORBIDDEN = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const ANY_ESCAPE = /[&<>"']/;

/** `value` with XML 1.0's forbidden characters removed and `& < > " '` escaped (HTML's pages use it too). */
export function xmlText(value: string): string {
  if (!ANY_ESCAPE.test(value) && !ANY_FORBIDDEN.test(value)) return value;
  return value.replace(FORBIDDEN, '').replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}
