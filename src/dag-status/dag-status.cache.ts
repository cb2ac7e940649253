import type { DagSnapshot } from '../mirror/mirror.types.js';

/** Seconds a cache may keep an answer made from `snapshot`: until the mirror's next sync, rounded up so that answers a moment apart agree. */
function maxAgeOf(snapshot: DagSnapshot): number {
  return Math.max(0, Math.ceil((snapshot.expiresAt - Date.now()) / 1000));
}

export function cacheControlFor(snapshot: DagSnapshot): string {
  return `max-age=${maxAgeOf(snapshot)}`;
}
