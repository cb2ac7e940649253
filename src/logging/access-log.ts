import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';

/** What one access-log line says about one request. */
export interface AccessLine {
  request_id: string;
  method: string;
  path: string;
  route: string;
  status: number;
  duration_ms: number;
}

/**
 * The access log: one JSON line per request, in the very shape AppLogger gives
 * every other line (`level`, `pid`, `timestamp`, `message`, `context`, then the
 * fields), at `log` for traffic and `verbose` for probes and scrapes, and only
 * when the app's logger has that level on (`logger: false` turns it off too).
 *
 * Built by hand and written once per event-loop turn: through the Nest logger,
 * once per request, they were a fifth of the CPU (BENCHMARKS.md). No field can
 * carry a credential of ours, so nothing is scrubbed.
 */
@Injectable()
export class AccessLog implements OnApplicationShutdown {
  private pending = '';

  constructor() {
    // A process.exit() (shutdown deadline, watchdog exit) skips pending immediates: write them then.
    process.on('exit', this.flush);
  }

  record(line: AccessLine, chatter: boolean): void {
    const level = chatter ? 'verbose' : 'log';
    if (!Logger.isLevelEnabled(level)) return;
    if (this.pending === '') setImmediate(this.flush);
    this.pending += `{"level":"${level}","pid":${process.pid},"timestamp":${Date.now()},"message":"request","context":"HTTP",${JSON.stringify(line).slice(1)}\n`;
  }

  /** Writes the lines gathered so far; the app's shutdown calls it so that none is lost. */
  readonly flush = (): void => {
    if (this.pending === '') return;
    const lines = this.pending;
    this.pending = '';
    process.stdout.write(lines);
  };

  onApplicationShutdown(): void {
    this.flush();
    process.off('exit', this.flush);
  }
}
