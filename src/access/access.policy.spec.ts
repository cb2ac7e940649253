import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import { UnauthorizedException } from '@nestjs/common';
import type { AccessConfig } from '../config/access.config.js';
import { configOf } from '../config/config.fixtures.js';
import { AccessPolicy } from './access.policy.js';

const A = 'q3J9vT0xW2mZ8rL5pK1sN7cY4bF6hD0gE2aU9iO3tR1';
const B = '6f1c2d9e-84b7-4a35-9c0e-7d2b1f8a3e64-rotated';

function policy(access: Partial<AccessConfig> = {}): AccessPolicy {
  const settings: AccessConfig = { tokens: [], trustedHeader: null, publicBadges: false, ...access };
  return new AccessPolicy(configOf({ access: settings }));
}

const bearer = (token: string): IncomingHttpHeaders => ({ authorization: `Bearer ${token}` });

describe('AccessPolicy', () => {
  it('is off without tokens or a trusted header: everything open, as the seed was', () => {
    const open = policy();
    expect(open.enabled).toBe(false);
    expect(open.allows({})).toBe(true);
    expect(open.allows({}, 'badge')).toBe(true);
  });

  it('lets a request in with any of the tokens (rotation), and refuses another', () => {
    const p = policy({ tokens: [A, B] });
    expect(p.enabled).toBe(true);
    expect(p.acceptsTokens).toBe(true);
    expect(p.allows(bearer(A))).toBe(true);
    expect(p.allows(bearer(B))).toBe(true);
    expect(p.allows(bearer(`${A}x`))).toBe(false);
    expect(p.allows(bearer(A.slice(0, -1)))).toBe(false);
    expect(p.allows({})).toBe(false);
  });

  it('reads the scheme in any case and spaces around the token, as RFC 9110 allows', () => {
    const p = policy({ tokens: [A] });
    expect(p.allows({ authorization: `bearer ${A}` })).toBe(true);
    expect(p.allows({ authorization: `BEARER   ${A} ` })).toBe(true);
  });

  it.each([
    ['no token', 'Bearer'],
    ['an empty token', 'Bearer '],
    ['another scheme', `Basic ${Buffer.from(`user:${A}`).toString('base64')}`],
    ['the token as another scheme', `Token ${A}`],
    ['the token without a scheme', A],
    ['two tokens', `Bearer ${A} ${A}`],
    ['a very long value', `Bearer ${'a'.repeat(16_000)}`],
    ['non-ASCII bytes', `Bearer ${A}\u00e9`],
  ])('refuses %s, without throwing', (_what, authorization) => {
    expect(policy({ tokens: [A] }).allows({ authorization })).toBe(false);
  });

  it('lets a request in when it carries the trusted header with a value, and only then', () => {
    const p = policy({ trustedHeader: 'x-forwarded-user' });
    expect(p.enabled).toBe(true);
    expect(p.acceptsTokens).toBe(false);
    expect(p.allows({ 'x-forwarded-user': 'alice' })).toBe(true);
    expect(p.allows({ 'x-forwarded-user': '  ' })).toBe(false);
    expect(p.allows({ 'x-forwarded-user': '' })).toBe(false);
    expect(p.allows({ 'x-other-user': 'alice' })).toBe(false);
    // No token configured: a bearer proves nothing.
    expect(p.allows(bearer(A))).toBe(false);
  });

  it('takes either credential when both are set', () => {
    const p = policy({ tokens: [A], trustedHeader: 'x-forwarded-user' });
    expect(p.allows(bearer(A))).toBe(true);
    expect(p.allows({ 'x-forwarded-user': 'alice' })).toBe(true);
    expect(p.allows({ authorization: 'Bearer nope', 'x-forwarded-user': 'alice' })).toBe(true);
  });

  it('keeps the probes open, and the badges only with ACCESS_PUBLIC_BADGES', () => {
    expect(policy({ tokens: [A] }).allows({}, 'public')).toBe(true);
    expect(policy({ tokens: [A] }).allows({}, 'badge')).toBe(false);
    expect(policy({ tokens: [A], publicBadges: true }).allows({}, 'badge')).toBe(true);
    expect(policy({ tokens: [A], publicBadges: true }).allows({})).toBe(false);
  });

  it('refuses with a 401 that names the scheme and no credential', () => {
    const headers: Record<string, string> = {};
    const res = { setHeader: (name: string, value: string) => (headers[name] = value) } as unknown as ServerResponse;
    const error = policy({ tokens: [A] }).refusal(res);
    expect(error).toBeInstanceOf(UnauthorizedException);
    expect(error.getStatus()).toBe(401);
    expect(headers).toEqual({ 'WWW-Authenticate': 'Bearer realm="airflow-status-api"' });
    expect(error.message).not.toContain(A);
  });
});
