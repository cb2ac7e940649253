import { createHmac } from 'node:crypto';
import { webhookSecretKey } from '../config/notifications.config.js';

/**
 * Standard Webhooks signatures: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the
 * bytes after `whsec_`. With two secrets (a rotation) each request carries both signatures,
 * space-separated, so a receiver holding either one verifies it.
 */
export class WebhookSigner {
  private readonly keys: readonly Buffer[];

  constructor(secrets: readonly string[]) {
    // The config has checked them: a secret that is not one would have stopped the start.
    this.keys = secrets.map((secret) => webhookSecretKey(secret)).filter((key) => key !== null);
  }

  /** Whether requests are signed at all (NOTIFY_SECRETS is set). */
  get signs(): boolean {
    return this.keys.length > 0;
  }

  /** The `webhook-signature` header for one attempt (its timestamp in seconds), or null without secrets. */
  sign(id: string, timestamp: number, body: string): string | null {
    if (this.keys.length === 0) return null;
    const content = `${id}.${timestamp}.${body}`;
    return this.keys.map((key) => `v1,${createHmac('sha256', key).update(content, 'utf8').digest('base64')}`).join(' ');
  }
}
