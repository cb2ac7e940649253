import type { ExitCode } from './lifecycle.constants.js';

/**
 * An error after which the process must stop with `exitCode`. Its message says
 * all there is to say: it is logged as one line, under `context`, without a stack.
 */
export class FatalError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly context: string,
  ) {
    super(message);
  }
}
