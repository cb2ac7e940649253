import { describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { WebhookSigner } from './notifications.signer.js';

const CURRENT = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
const NEXT = `whsec_${Buffer.alloc(32, 2).toString('base64')}`;

describe('WebhookSigner', () => {
  const body = JSON.stringify({ text: 'Airflow_Lab2 failed', note: 'ünïcode ✓' });
  const timestamp = Math.floor(Date.now() / 1000);

  it('signs as the reference Standard Webhooks library verifies', () => {
    const signature = new WebhookSigner([CURRENT]).sign('msg_1', timestamp, body)!;
    expect(signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
    expect(new Webhook(CURRENT).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(CURRENT).sign('msg_1', new Date(timestamp * 1000), body)).toBe(signature);
    // Another id, timestamp or body does not verify.
    expect(() => new Webhook(CURRENT).verify(body, { ...headers, 'webhook-id': 'msg_2' })).toThrow('No matching signature');
    expect(() => new Webhook(CURRENT).verify(`${body} `, headers)).toThrow('No matching signature');
  });

  it('signs with both secrets while one is rotated, so a receiver with either verifies', () => {
    const signature = new WebhookSigner([CURRENT, NEXT]).sign('msg_1', timestamp, body)!;
    expect(signature.split(' ')).toHaveLength(2);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
    for (const secret of [CURRENT, NEXT]) expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    const other = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
    expect(() => new Webhook(other).verify(body, headers)).toThrow('No matching signature');
  });

  it('does not sign without a secret', () => {
    const signer = new WebhookSigner([]);
    expect(signer.signs).toBe(false);
    expect(signer.sign('msg_1', timestamp, body)).toBeNull();
  });
});
