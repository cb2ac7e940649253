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

/** Most text has nothing to change: kept as it is, without a copy. */
const CLEAN = /^[^&<>"'\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]*$/;

/** `value` with XML 1.0's forbidden characters removed and `& < > " '` escaped (HTML's pages use it too). */
export function xmlText(value: string): string {
  if (CLEAN.test(value)) return value;
  return value.replace(FORBIDDEN, '').replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}
