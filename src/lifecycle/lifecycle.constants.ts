/** The process exit codes, sysexits(3)-style, as documented in the README. */
export const ExitCode = {
  /** Stopped cleanly (SIGTERM/SIGINT), or the stop command did its job. */
  OK: 0,
  /** Something unexpected; the log says what. */
  FAILURE: 1,
  /** EX_UNAVAILABLE: the port is held by a program that is not this service. */
  PORT_HELD: 69,
  /** EX_TEMPFAIL: the watched instance was lost and WATCHDOG_ON_LOSS=exit; or the stop command's target did not stop in time. */
  INSTANCE_LOST: 75,
  /** EX_CONFIG: a setting is invalid. */
  BAD_CONFIG: 78,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
