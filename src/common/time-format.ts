/** Time for people, the one formatting of the pages and the verdicts' explanations. */

/** Durations in ms, defined once for every feature. */
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** A UTC timestamp as Airflow and we write them, which needs no Date to be shown: a page of 1,000 rows shows ~15,000. */
const PLAIN_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|\+00:00)$/;

/** "2026-11-28 21:40:03 UTC"; '—' for none, the text itself when it is no date. */
export function utcTime(iso: string | null): string {
  if (!iso) return '—';
  if (PLAIN_UTC.test(iso)) return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

const UNITS = [
  ['d', 86_400],
  ['h', 3600],
  ['min', 60],
] as const;

/**
 * "2 d 3 h 4 min 5 s": whole units from `largest` down, the empty ones left out but the seconds,
 * at most `most` of them.
 */
export function formatSpan(ms: number, { most = Infinity, largest = 'd' }: { most?: number; largest?: 'd' | 'h' } = {}): string {
  let seconds = Math.max(0, Math.round(ms / 1000));
  const parts: string[] = [];
  for (const [unit, size] of UNITS.slice(largest === 'd' ? 0 : 1)) {
    const count = Math.floor(seconds / size);
    seconds -= count * size;
    if (count > 0) parts.push(`${count} ${unit}`);
  }
  parts.push(`${seconds} s`);
  return parts.slice(0, most).join(' ');
}

/** A run's duration in ms, to `now` while it has no end; null when it has not started or its dates make no sense. */
export function runMs(start: string | null, end: string | null, now: Date): number | null {
  if (!start) return null;
  const from = Date.parse(start);
  const to = end ? Date.parse(end) : now.getTime();
  return Number.isNaN(from) || Number.isNaN(to) || to < from ? null : to - from;
}

/** A limit as configured, in its largest whole unit: "90 min", "26 h", "7 days". */
export function formatLimit(ms: number): string {
  if (ms % DAY === 0) return `${ms / DAY} ${ms === DAY ? 'day' : 'days'}`;
  if (ms % HOUR === 0) return `${ms / HOUR} h`;
  return `${Math.round(ms / MINUTE)} min`;
}

/** An age rounded down to its largest unit: "2 days ago", "5 h ago", "3 min ago". */
export function formatAge(ms: number): string {
  if (ms >= 2 * DAY) return `${Math.floor(ms / DAY)} days ago`;
  if (ms >= HOUR) return `${Math.floor(ms / HOUR)} h ago`;
  return `${Math.max(0, Math.floor(ms / MINUTE))} min ago`;
}
