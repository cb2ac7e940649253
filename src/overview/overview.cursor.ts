import type { OverviewCursor } from './overview.types.js';

/** Index, dot, DAG id in base64url. Any string of this form is a cursor: an anchor no longer listed falls back to the index. */
export const CURSOR_PATTERN = '^[0-9]{1,9}\\.[A-Za-z0-9_-]{1,1400}$';
const CURSOR_REGEX = new RegExp(CURSOR_PATTERN);

export function encodeCursor(cursor: OverviewCursor): string {
  return `${cursor.at}.${Buffer.from(cursor.after, 'utf8').toString('base64url')}`;
}

export function decodeCursor(text: string): OverviewCursor | undefined {
  if (!CURSOR_REGEX.test(text)) return undefined;
  const dot = text.indexOf('.');
  return { at: Number(text.slice(0, dot)), after: Buffer.from(text.slice(dot + 1), 'base64url').toString('utf8') };
}
