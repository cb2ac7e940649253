import { ConsoleLogger } from '@nestjs/common';
import { redactable, scrubCredentials } from '../common/scrub-credentials.js';
import { LOG_LEVELS, type LogLevel as ConfiguredLevel } from '../config/app.config.js';

/**
 * Nest's JSON console logger, one line per event, credentials scrubbed from
 * every message. Access-log lines are written by AccessLog in the same shape.
 */
export class AppLogger extends ConsoleLogger {
  private readonly secrets: string[];

  constructor(level: ConfiguredLevel, secrets: string[]) {
    super({
      json: true,
      logLevels: LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1),
      flattenParams: true,
      redact: ['password', 'authorization', 'access_token', 'token'],
    });
    this.secrets = redactable(secrets);
  }

  /** Scrubs credentials out of a text. */
  scrub(text: string): string {
    return scrubCredentials(text, this.secrets);
  }

  /** Every line on stdout, errors included: one stream of JSON lines, as log collectors expect. */
  protected override printAsJson(message: unknown, options: Parameters<ConsoleLogger['printAsJson']>[1]): void {
    super.printAsJson(message, { ...options, writeStreamType: 'stdout' });
  }

  protected override getJsonLogObject(
    message: unknown,
    options: Parameters<ConsoleLogger['getJsonLogObject']>[1],
  ): ReturnType<ConsoleLogger['getJsonLogObject']> {
    const object = super.getJsonLogObject(typeof message === 'string' ? this.scrub(message) : message, options);
    if (typeof object.stack === 'string') object.stack = this.scrub(object.stack);
    return object;
  }
}
