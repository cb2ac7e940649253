import { Injectable } from '@nestjs/common';
import { SERVICE_NAME } from '../lifecycle/instance.identity.js';

/** What answers on a port. */
export type PortState =
  | { kind: 'free' }
  | { kind: 'ours'; instanceId: string; pid: number | null }
  /** Something accepts connections there but does not prove to be an instance of this service. */
  | { kind: 'foreign'; detail: string };

/** Where to reach a port we would bind on `host`: a wildcard address is reached on loopback. */
export function probeHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function identityOf(body: unknown): { instanceId: string; pid: number | null } | null {
  // Terminus body: { details: { process: { service, instance_id, pid, status } } }
  const process = (body as { details?: { process?: Record<string, unknown> } } | null)?.details?.process;
  if (!process || process.service !== SERVICE_NAME || typeof process.instance_id !== 'string') return null;
  return { instanceId: process.instance_id, pid: typeof process.pid === 'number' ? process.pid : null };
}

/** Asks a port who holds it; the port guard's and the stop command's one way of looking. */
@Injectable()
export class PortProbe {
  /**
   * Asks whatever listens on host:port who it is. Ours only when it publishes
   * our service name and an instance id on /health/live; a body that merely
   * says "ok" is not enough.
   */
  async probe(host: string, port: number, timeoutMs: number): Promise<PortState> {
    // A ref'd timer, unlike AbortSignal.timeout: a hung peer must not let a
    // process with nothing else to do (the stop command) exit silently mid-probe.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let response: Response;
    let body: unknown;
    try {
      response = await fetch(`http://${probeHost(host)}:${port}/health/live`, {
        signal: controller.signal,
        headers: { Accept: 'application/json', Connection: 'close' },
      });
      body = await response.json().catch(() => null); // not JSON: not ours
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      if (code === 'ECONNREFUSED') return { kind: 'free' };
      return {
        kind: 'foreign',
        detail: controller.signal.aborted ? `no HTTP answer within ${timeoutMs} ms` : `not HTTP (${code ?? String(error)})`,
      };
    } finally {
      clearTimeout(timer);
    }
    const identity = identityOf(body);
    if (identity) return { kind: 'ours', ...identity };
    return { kind: 'foreign', detail: `answers HTTP ${response.status} but is not ${SERVICE_NAME}` };
  }
}
