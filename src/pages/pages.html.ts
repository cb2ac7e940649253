/** Text for HTML content and quoted attribute values: the one escaper, XML's (it also drops the control characters no page should carry). */
export { xmlText as escapeHtml } from '../common/xml-text.js';

/** An upstream URL as an href, or null when it is not plain http(s) (a javascript: link from a hostile Airflow stays text). */
export function safeHref(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}
