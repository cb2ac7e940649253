/** The process exit codes, sysexits(3)-style, as documented in the README. */
export const ExitCode = {
  OK: 0,
  FAILURE: 1,
  /** EX_UNAVAILABLE: a program that is not this service holds the port. */
  PORT_HELD: 69,
  /** EX_TEMPFAIL: the watched instance was lost (WATCHDOG_ON_LOSS=exit), or the stop command's target did not stop in time. */
  INSTANCE_LOST: 75,
  BAD_CONFIG: 78,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
