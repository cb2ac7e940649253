import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = resolve(ROOT, 'dist/main.js');

/** The built service (`node dist/main.js`) as a real process, with its output kept. */
export class ServiceProcess {
  output = '';
  /** What it wrote on stderr alone (`output` has both streams). */
  stderr = '';

  private constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString();
      this.stderr += chunk.toString();
    });
  }

  static start(env: Record<string, string>, args: string[] = [], nodeFlags: string[] = []): ServiceProcess {
    const child = spawn(process.execPath, [...nodeFlags, MAIN, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ServiceProcess(child);
  }

  /**
   * The built service on a free loopback port (FLASK_PORT and HOST set, `env` on top), once its
   * /health/live answers; killed if it never does.
   */
  static async serve(env: Record<string, string>): Promise<{ service: ServiceProcess; base: string }> {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const service = ServiceProcess.start({ FLASK_PORT: String(port), HOST: '127.0.0.1', ...env });
    try {
      await until('the service to serve', async () => ((await fetch(`${base}/health/live`)).ok ? true : null));
    } catch (error) {
      service.kill('SIGKILL');
      throw new Error(`${String(error)}\n${service.output.slice(-2000)}`, { cause: error });
    }
    return { service, base };
  }

  /** A process started otherwise (e.g. as a container would start it), with its output kept. */
  static adopt(child: ChildProcess): ServiceProcess {
    return new ServiceProcess(child);
  }

  /** Resolves with the exit code (or the signal's name). */
  async exited(): Promise<number | string> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    if (this.child.signalCode !== null) return this.child.signalCode;
    const [code, signal] = (await once(this.child, 'exit')) as [number | null, string | null];
    return code ?? signal ?? -1;
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

/** A port that was free a moment ago (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Polls `probe` until it returns a value, failing after `timeoutMs` with what it waited for. */
export async function until<T>(what: string, probe: () => Promise<T | null | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value !== null && value !== undefined) return value;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The instance id answering /health/live on 127.0.0.1:port, or null when nothing of ours answers. */
export async function servingInstanceOn(port: number): Promise<string | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health/live`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { details: { process: { instance_id: string } } };
    return body.details.process.instance_id;
  } catch {
    return null;
  }
}

/** Whether 127.0.0.1:port can be bound right now. */
export async function isPortFree(port: number): Promise<boolean> {
  const probe = createServer();
  try {
    probe.listen(port, '127.0.0.1');
    await once(probe, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    probe.close();
  }
}
