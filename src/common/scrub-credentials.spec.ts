import { describe, expect, it } from '@jest/globals';
import { scrubCredentials, upstreamLine } from './scrub-credentials.js';

describe('scrubCredentials', () => {
  it('removes each secret wherever it occurs, and no empty one', () => {
    expect(scrubCredentials('user airflow:hunter2-long at hunter2-long', ['hunter2-long', ''])).toBe(
      'user airflow:[REDACTED] at [REDACTED]',
    );
  });

  it.each([
    ['Authorization: Basic YWlyZmxvdzpwdw==', 'Authorization: Basic [REDACTED]'],
    ['authorization: bearer eyJhbGciOi.eyJzdWIi.c2ln', 'authorization: bearer [REDACTED]'],
    ['got BEARER abc.def from the proxy', 'got BEARER [REDACTED] from the proxy'],
  ])('keeps the scheme of an auth header value but not the credential: %s', (text, scrubbed) => {
    expect(scrubCredentials(text, [])).toBe(scrubbed);
  });

  it.each([
    ['{"username": "airflow", "password": "pw"}', '{"username": "airflow", "password": [REDACTED]}'],
    ["{'access_token': 'eyJ.x.y', 'token_type': 'bearer'}", "{'access_token': [REDACTED], 'token_type': 'bearer'}"],
    ['password=pw&user=a', 'password=[REDACTED]&user=a'],
    ['Token = abc, next', 'Token = [REDACTED], next'],
    ['passwd:abc}', 'passwd:[REDACTED]}'],
    ['secret: s3;cr3t', 'secret: [REDACTED]'],
    ['api_key=k1 apikey=k2', 'api_key=[REDACTED] apikey=[REDACTED]'],
    ['credentials: admin', 'credentials: [REDACTED]'],
    ['credential="a b"', 'credential=[REDACTED]'],
  ])('removes the value of a credential-like field: %s', (text, scrubbed) => {
    expect(scrubCredentials(text, [])).toBe(scrubbed);
  });

  it('leaves ordinary text alone', () => {
    const text = 'Airflow refused the credentials of user "airflow"; check AIRFLOW_USERNAME and AIRFLOW_PASSWORD (secret_payroll)';
    expect(scrubCredentials(text, [])).toBe(text);
  });
});

describe('upstreamLine', () => {
  it('scrubs credentials and the given secrets, drops control and bidi characters, keeps one line', () => {
    expect(upstreamLine('KeyError:\u0007 password=pw\u202e token s3cret-value\r\nnext', ['s3cret-value'], 200)).toBe(
      'KeyError: password=[REDACTED] token [REDACTED] next',
    );
  });

  it('cuts long text at `max` code points with an ellipsis, never inside a character', () => {
    expect(upstreamLine('é'.repeat(10), [], 5)).toBe('éééé…');
    expect(upstreamLine('😀'.repeat(4), [], 3)).toBe('😀😀…');
    expect(upstreamLine('short', [], 5)).toBe('short');
  });
});
