import { describe, expect, it } from '@jest/globals';
import { ConfigValidationError } from './config.parsers.js';
import { NOTIFICATION_TYPES, parseNotificationsConfig, redactWebhookUrl, webhookSecretKey } from './notifications.config.js';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const NEXT_SECRET = `whsec_${Buffer.alloc(24, 9).toString('base64')}`;

/** What a setting's error says, or fails the test when it parses. */
function problemOf(env: Record<string, string>): string {
  try {
    parseNotificationsConfig(env);
  } catch (caught) {
    expect(caught).toBeInstanceOf(ConfigValidationError);
    return (caught as Error).message;
  }
  throw new Error('expected a ConfigValidationError');
}

describe('notifications configuration', () => {
  it('is off by default: no webhook, unsigned, every type, 10 s per attempt, an hour to give up, 2000 queued', () => {
    const config = parseNotificationsConfig({});
    expect(config).toEqual({
      webhooks: [],
      secrets: [],
      types: new Set(NOTIFICATION_TYPES),
      timeoutMs: 10_000,
      giveUpMs: 3_600_000,
      queueSize: 2000,
    });
  });

  it('reads webhooks with their format (CloudEvents unless `slack=`), userinfo moved into a Basic authorization', () => {
    const { webhooks } = parseNotificationsConfig({
      NOTIFY_WEBHOOKS:
        ' https://alerts.example.com/hooks/airflow?team=data , slack=https://hooks.slack.com/services/T0/B0/XyZ,cloudevents=http://bob:s%3Acret@10.0.0.5:9000/in',
    });
    expect(webhooks).toEqual([
      {
        position: 1,
        format: 'cloudevents',
        url: 'https://alerts.example.com/hooks/airflow?team=data',
        authorization: null,
        shown: 'https://alerts.example.com/hooks/[REDACTED]?[REDACTED]',
      },
      {
        position: 2,
        format: 'slack',
        url: 'https://hooks.slack.com/services/T0/B0/XyZ',
        authorization: null,
        shown: 'https://hooks.slack.com/services/[REDACTED]',
      },
      {
        position: 3,
        format: 'cloudevents',
        url: 'http://10.0.0.5:9000/in',
        authorization: `Basic ${Buffer.from('bob:s:cret').toString('base64')}`,
        shown: 'http://[REDACTED]@10.0.0.5:9000/in',
      },
    ]);
  });

  it.each([
    ['not a URL', 'slack=hooks.slack.com/services/T0/B0/tok3n', 'webhook 1 of 1|its URL is not a URL'],
    ['another scheme', 'ftp://user:tok3n@example.com/x', 'must use http or https'],
    ['a fragment', 'https://example.com/x#tok3n', 'must not have a fragment'],
    ['an unknown format', 'teams=https://example.com/tok3n', 'is not a URL'],
  ])('stops the start on %s, naming NOTIFY_WEBHOOKS and never echoing the URL', (_case, value, expected) => {
    const message = problemOf({ NOTIFY_WEBHOOKS: value });
    expect(message).toMatch(/^Invalid configuration: NOTIFY_WEBHOOKS /);
    expect(message).toMatch(new RegExp(expected));
    expect(message).not.toContain('tok3n');
  });

  it('names the webhook by its position among several', () => {
    expect(problemOf({ NOTIFY_WEBHOOKS: 'https://a.example.com/x,https://b.example.com:99999/y' })).toContain(
      'webhook 2 of 2 is not a URL',
    );
    expect(problemOf({ NOTIFY_WEBHOOKS: Array.from({ length: 11 }, (_, i) => `https://h${i}.example.com/`).join(',') })).toContain(
      'at most 10',
    );
  });

  it('takes one or two whsec_ secrets (a rotation), and refuses anything else without showing it', () => {
    expect(parseNotificationsConfig({ NOTIFY_SECRETS: `${SECRET}, ${NEXT_SECRET}` }).secrets).toEqual([SECRET, NEXT_SECRET]);
    for (const bad of [
      's3cretvalue',
      `whsec_${Buffer.alloc(16, 1).toString('base64')}`,
      'whsec_not*base64!!',
      `whsec_${Buffer.alloc(65).toString('base64')}`,
    ]) {
      const message = problemOf({ NOTIFY_SECRETS: bad });
      expect(message).toContain('NOTIFY_SECRETS its secret is not a Standard Webhooks secret');
      expect(message).not.toContain(bad);
    }
    expect(problemOf({ NOTIFY_SECRETS: `${SECRET},oops` })).toContain('secret 2 of 2');
    expect(problemOf({ NOTIFY_SECRETS: [SECRET, NEXT_SECRET, SECRET].join(',') })).toContain('at most 2');
  });

  it('reads the types to send, and refuses an unknown one', () => {
    expect([...parseNotificationsConfig({ NOTIFY_TYPES: 'failed, Recovered' }).types]).toEqual(['failed', 'recovered']);
    expect(problemOf({ NOTIFY_TYPES: 'failed,exploded' })).toMatch(
      /^Invalid configuration: NOTIFY_TYPES must list types among failed, .*\(got "exploded"\)$/,
    );
  });

  it.each([
    ['NOTIFY_TIMEOUT_MS', '99'],
    ['NOTIFY_TIMEOUT_MS', 'soon'],
    ['NOTIFY_GIVE_UP_MS', '999'],
    ['NOTIFY_GIVE_UP_MS', '86400001'],
    ['NOTIFY_QUEUE_SIZE', '9'],
    ['NOTIFY_QUEUE_SIZE', '100001'],
  ])('rejects %s=%s naming it', (name, value) => {
    expect(problemOf({ [name]: value })).toContain(name);
  });

  it('decodes a secret to its key only when it is one', () => {
    expect(webhookSecretKey(SECRET)).toEqual(Buffer.alloc(32, 7));
    expect(webhookSecretKey(Buffer.alloc(32, 7).toString('base64'))).toBeNull();
  });

  it('redacts userinfo, query and the path past its first segment of a URL shown in logs', () => {
    expect(redactWebhookUrl('https://u:p@example.com:8443/a/b/c?token=x')).toBe(
      'https://[REDACTED]@example.com:8443/a/[REDACTED]?[REDACTED]',
    );
    expect(redactWebhookUrl('http://127.0.0.1:9000/hook')).toBe('http://127.0.0.1:9000/hook');
    expect(redactWebhookUrl('http://127.0.0.1:9000')).toBe('http://127.0.0.1:9000/');
    expect(redactWebhookUrl('nonsense')).toBe('[a malformed URL]');
  });
});
