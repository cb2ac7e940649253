import type { NextFunction, Request, Response } from 'express';
import { INSTANCE_HEADER } from '../lifecycle/instance.identity.js';

/** A header as a name, value pair. */
export type Header = readonly [name: string, value: string];

/**
 * Headers every response carries. The strict Content-Security-Policy is set by
 * the status pages themselves; Swagger UI needs its own scripts and styles.
 */
export const SECURITY_HEADERS: readonly Header[] = [
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'no-referrer'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
];

/**
 * What every answer carries after its X-Request-Id, in the order it is sent:
 * the security headers, then the instance (`<service>/<instance id>`), so that
 * a client or a peer can tell which instance served it. The Nest path and the
 * status fast path both send this one list.
 */
export function commonHeaders(instance: string): readonly Header[] {
  return [...SECURITY_HEADERS, [INSTANCE_HEADER, instance]];
}

/** Express middleware setting `headers` on every response. */
export function setHeaders(headers: readonly Header[]) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}
