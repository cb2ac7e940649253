import { describe, expect, it } from '@jest/globals';
import { parseAccessConfig } from './access.config.js';
import { ConfigValidationError } from './config.parsers.js';

/** Strong enough: 43 characters of `openssl rand -base64 32` and a uuid-like one. */
const A = 'q3J9vT0xW2mZ8rL5pK1sN7cY4bF6hD0gE2aU9iO3tR1';
const B = '6f1c2d9e-84b7-4a35-9c0e-7d2b1f8a3e64-rotated';

/** The error ConfigValidationError throws for `env`, which must name `variable`. */
function refusal(env: Record<string, string>, variable: string): string {
  try {
    parseAccessConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    const message = (error as Error).message;
    expect(message).toContain(variable);
    return message;
  }
  throw new Error(`${JSON.stringify(env)} was accepted`);
}

describe('access configuration', () => {
  it('is off by default: no token, no trusted header, badges behind it like the rest', () => {
    expect(parseAccessConfig({})).toEqual({ tokens: [], trustedHeader: null, publicBadges: false });
    expect(parseAccessConfig({ ACCESS_TOKENS: ' ', ACCESS_TRUSTED_HEADER: '' })).toEqual({
      tokens: [],
      trustedHeader: null,
      publicBadges: false,
    });
  });

  it('reads several tokens for rotation, trimmed, duplicates once', () => {
    expect(parseAccessConfig({ ACCESS_TOKENS: ` ${A} , ${B},${A},` }).tokens).toEqual([A, B]);
  });

  it('reads the trusted header lower-cased, as Node names incoming headers', () => {
    expect(parseAccessConfig({ ACCESS_TRUSTED_HEADER: ' X-Forwarded-User ' }).trustedHeader).toBe('x-forwarded-user');
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['false', false],
  ])('reads ACCESS_PUBLIC_BADGES=%s', (value, expected) => {
    expect(parseAccessConfig({ ACCESS_PUBLIC_BADGES: value }).publicBadges).toBe(expected);
  });

  it('rejects ACCESS_PUBLIC_BADGES other than true or false, naming it', () => {
    refusal({ ACCESS_PUBLIC_BADGES: 'yes' }, 'ACCESS_PUBLIC_BADGES');
  });

  it.each([
    ['a short token', 'tooShort-but-random-9f3K'],
    ['a run of one character', 'x'.repeat(40)],
    ['a repeated pattern', 'Ab3$'.replace('$', '-').repeat(10)],
    ['a repeated longer pattern', '0123456789abcdef'.repeat(2)],
    ['a placeholder repeated', 'password-password-password-password'],
    ['a word repeated inside', 'my-changeme-token-changeme-please-9'],
    ['too few different characters', 'ababababcdcdcdcdababababcdcdcdcdefef'],
    ['a space inside', `${A.slice(0, 20)} ${A.slice(20)}`],
    ['a character a header cannot carry', `${A}é`],
    ['a quote', `${A}"`],
    ['a token too long for a header', `${A}${'Zq7-'.repeat(1100)}x`],
  ])('rejects %s in ACCESS_TOKENS, naming the variable and never echoing the value', (_what, bad) => {
    for (const env of [{ ACCESS_TOKENS: bad }, { ACCESS_TOKENS: `${A},${bad}` }]) {
      const message = refusal(env, 'ACCESS_TOKENS');
      expect(message).not.toContain(bad);
      expect(message).not.toContain(bad.slice(0, 8));
      expect(message).not.toContain(A);
    }
  });

  it('names which token of several is refused', () => {
    expect(refusal({ ACCESS_TOKENS: `${A},${B},short-one` }, 'ACCESS_TOKENS')).toContain('token 3 of 3 is shorter than 32 characters');
  });

  it('rejects a list of commas alone', () => {
    expect(refusal({ ACCESS_TOKENS: ',,' }, 'ACCESS_TOKENS')).toContain('at least one token');
  });

  it.each(['X Forwarded User', 'X-User:', 'X-Üser'])('rejects ACCESS_TRUSTED_HEADER=%s, which is no header name', (name) => {
    refusal({ ACCESS_TRUSTED_HEADER: name }, 'ACCESS_TRUSTED_HEADER');
  });

  it.each(['Authorization', 'Host', 'user-agent', 'Cookie', 'X-Forwarded-For', 'X-Request-Id', 'Sec-Fetch-Mode'])(
    'rejects ACCESS_TRUSTED_HEADER=%s, which clients or any proxy send by themselves',
    (name) => {
      expect(refusal({ ACCESS_TRUSTED_HEADER: name }, 'ACCESS_TRUSTED_HEADER')).toContain('only your proxy sets');
    },
  );
});
