import { registerAs } from '@nestjs/config';
import { ConfigValidationError, readInt, type Env } from './config.parsers.js';

/**
 * What a notification says happened. A verdict reason becomes one of these through the table in
 * src/notifications/notifications.rules.ts; the ones ending a condition (`recovered`, `…_back`,
 * `unpaused`, `import_fixed`) are sent when it ends.
 */
export const NOTIFICATION_TYPES = [
  'failed',
  'stale',
  'overdue',
  'budget_burn',
  'paused',
  'import_error',
  'airflow_unreachable',
  'recovered',
  'unpaused',
  'import_fixed',
  'airflow_back',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** The bodies a webhook can take: CloudEvents 1.0 structured JSON, or a Slack incoming-webhook message. */
export const WEBHOOK_FORMATS = ['cloudevents', 'slack'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/** One receiver of NOTIFY_WEBHOOKS. */
export interface WebhookTarget {
  /** Its 1-based position in NOTIFY_WEBHOOKS, how logs name it. */
  readonly position: number;
  readonly format: WebhookFormat;
  /** The URL requests go to, without userinfo (fetch refuses it; it goes into `authorization`). */
  readonly url: string;
  /** `Basic …` from the URL's userinfo, or null. */
  readonly authorization: string | null;
  /** The URL as logs may show it: userinfo, query and the path past its first segment redacted. */
  readonly shown: string;
}

/** Webhook notifications of verdict changes (the README's "Alerts"). Off while NOTIFY_WEBHOOKS is unset. */
export interface NotificationsConfig {
  /** NOTIFY_WEBHOOKS. */
  webhooks: readonly WebhookTarget[];
  /** NOTIFY_SECRETS: one or two `whsec_` secrets (two while rotating: every request is signed with both). */
  secrets: readonly string[];
  /** NOTIFY_TYPES: the types sent (default: all). */
  types: ReadonlySet<NotificationType>;
  /** NOTIFY_TIMEOUT_MS: how long one attempt may take before it counts as failed (and is retried). */
  timeoutMs: number;
  /** NOTIFY_GIVE_UP_MS: how long a notification is retried, from when it was queued. */
  giveUpMs: number;
  /** NOTIFY_QUEUE_SIZE: notifications queued or in flight at most, for every webhook together. */
  queueSize: number;
}

/** A receiver list longer than this is a mistake, and each one multiplies the queue's work. */
const MAX_WEBHOOKS = 10;
const MAX_URL_LENGTH = 2048;
/** The Standard Webhooks spec: a secret is 24 to 64 random bytes, base64 after `whsec_`. */
const SECRET_PREFIX = 'whsec_';
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const FORMAT_PREFIX = /^(cloudevents|slack)=(.*)$/s;

/**
 * A URL as a log line may show it. Userinfo and query are redacted, and so is the path past its
 * first segment: Slack's, Discord's and Teams' URLs carry their secret there.
 */
export function redactWebhookUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return '[a malformed URL]';
  }
  const userinfo = url.username !== '' || url.password !== '' ? '[REDACTED]@' : '';
  const [first, ...rest] = url.pathname.split('/').filter((segment) => segment !== '');
  const path = first === undefined ? '/' : `/${first}${rest.length > 0 ? '/[REDACTED]' : ''}`;
  return `${url.protocol}//${userinfo}${url.host}${path}${url.search !== '' ? '?[REDACTED]' : ''}`;
}

/** The HMAC key of a `whsec_` secret, or null when it is not one. */
export function webhookSecretKey(secret: string): Buffer | null {
  if (!secret.startsWith(SECRET_PREFIX)) return null;
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!BASE64.test(encoded) || encoded.length % 4 !== 0) return null;
  const key = Buffer.from(encoded, 'base64');
  return key.length >= MIN_SECRET_BYTES && key.length <= MAX_SECRET_BYTES ? key : null;
}

/** Splits a comma list, dropping blanks. */
function items(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function readWebhooks(env: Env, name: string): WebhookTarget[] {
  const entries = items(env[name]);
  if (entries.length > MAX_WEBHOOKS) throw new ConfigValidationError(name, `lists ${entries.length} webhooks; at most ${MAX_WEBHOOKS}`);
  return entries.map((entry, i) => {
    const which = entries.length === 1 ? 'its URL' : `webhook ${i + 1} of ${entries.length}`;
    const prefixed = FORMAT_PREFIX.exec(entry);
    const format: WebhookFormat = prefixed === null ? 'cloudevents' : (prefixed[1] as WebhookFormat);
    const text = prefixed === null ? entry : prefixed[2].trim();
    // The value is never echoed: a webhook URL is a credential (Slack's carries its token in the path).
    const problem = (what: string) => new ConfigValidationError(name, `${which} ${what}`);
    if (text.length > MAX_URL_LENGTH) throw problem(`is longer than ${MAX_URL_LENGTH} characters`);
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw problem('is not a URL; give [cloudevents=|slack=]https://host/path, comma-separated (a comma inside a URL as %2C)');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw problem('must use http or https');
    if (url.hash !== '') throw problem('must not have a fragment');
    const authorization =
      url.username !== '' || url.password !== ''
        ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`
        : null;
    const shown = redactWebhookUrl(url.href);
    url.username = '';
    url.password = '';
    return { position: i + 1, format, url: url.href, authorization, shown };
  });
}

function readSecrets(env: Env, name: string): string[] {
  const secrets = items(env[name]);
  if (secrets.length > 2)
    throw new ConfigValidationError(name, `lists ${secrets.length} secrets; at most 2 (the current one and the next)`);
  secrets.forEach((secret, i) => {
    const which = secrets.length === 1 ? 'its secret' : `secret ${i + 1} of ${secrets.length}`;
    // Named by position, never by value.
    if (webhookSecretKey(secret) === null) {
      throw new ConfigValidationError(
        name,
        `${which} is not a Standard Webhooks secret: whsec_ then ${MIN_SECRET_BYTES}-${MAX_SECRET_BYTES} random bytes in base64 (make one with \`echo whsec_$(openssl rand -base64 32)\`)`,
      );
    }
  });
  return secrets;
}

function readTypes(env: Env, name: string): Set<NotificationType> {
  const listed = items(env[name]).map((type) => type.toLowerCase());
  if (listed.length === 0) return new Set(NOTIFICATION_TYPES);
  for (const type of listed) {
    if (!(NOTIFICATION_TYPES as readonly string[]).includes(type)) {
      throw new ConfigValidationError(name, `must list types among ${NOTIFICATION_TYPES.join(', ')} (got "${type}")`);
    }
  }
  return new Set(listed as NotificationType[]);
}

export function parseNotificationsConfig(env: Env): NotificationsConfig {
  return {
    webhooks: readWebhooks(env, 'NOTIFY_WEBHOOKS'),
    secrets: readSecrets(env, 'NOTIFY_SECRETS'),
    types: readTypes(env, 'NOTIFY_TYPES'),
    // 10 s: a receiver slower than that is treated as down (and retried), not waited for.
    timeoutMs: readInt(env, 'NOTIFY_TIMEOUT_MS', 10_000, 100, 120_000),
    // An hour rides out a receiver's restart or deploy; after it the alert is stale anyway.
    giveUpMs: readInt(env, 'NOTIFY_GIVE_UP_MS', 3_600_000, 1000, 86_400_000),
    // A notification holds a few kB (the DAG's overview): 2000 is a few MB at most.
    queueSize: readInt(env, 'NOTIFY_QUEUE_SIZE', 2000, 10, 100_000),
  };
}

export default registerAs('notifications', () => parseNotificationsConfig(process.env));
