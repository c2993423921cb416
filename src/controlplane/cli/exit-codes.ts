/** The CLI's exit codes (documented in docs/control-plane.md and `--help`). */
export const EXIT = {
  /** Everything asked for succeeded. */
  ok: 0,
  /** An unexpected error (a bug, an unreadable database...). */
  internal: 1,
  /** Invalid command line, plan file or gateway configuration. */
  invalid: 2,
  /** Done, but some numbers are blocked by pre-flight, failed, were rolled back or skipped. */
  incomplete: 3,
  /** The run is paused or cancelled: `migrate resume` continues it. */
  stopped: 4,
  /** Another live process is executing the run. */
  busy: 5,
} as const;

export const EXIT_HELP = `Exit codes:
  0  success
  1  unexpected error
  2  invalid command line, plan or gateway configuration
  3  some numbers blocked, failed, rolled back or skipped (see the report)
  4  run paused or cancelled (continue with "migrate resume")
  5  the run is being executed by another live process`;
