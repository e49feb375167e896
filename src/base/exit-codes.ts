/**
 * Every exit code nxrun ends with, in one table (docs/cli.md, "Exit codes", says the same to users).
 * A user error's code follows from its class (src/base/user-error.ts) through USER_ERROR_EXIT; nothing
 * else decides what kind of error something is by its number.
 */
export const ExitCode = {
  /** A run completed; a check found nothing; a command did what it was asked. */
  ok: 0,
  /** The run failed (a step failed or timed out, a confirm could not be answered, the run timed out). */
  runFailed: 1,
  /** A usage mistake: flags, pipeline, inputs, secrets, connection settings, an unknown run ID. */
  usage: 2,
  /** The server cannot be reached or used, or refused part of what was asked. */
  server: 3,
  /**
   * The run completed, but a file it was asked to write (--report, --junit, --summary) could not be
   * written. A failed or interrupted run keeps its own code and says so beside it.
   */
  outputNotWritten: 4,
  /** A bug in nxrun: printed with its stack. */
  bug: 70,
  /**
   * Interrupted (128 + SIGINT): a Ctrl-C or SIGTERM cancelled the run, once (after cancellation,
   * compensation and finally) or twice (at once), or came before the run started or while a command
   * waited on the server (src/cli/interrupts.ts).
   */
  interrupted: 130,
} as const;

/** What a user error is about; each class of src/base/user-error.ts names one. */
export type UserErrorKind = "usage" | "server" | "output";

/** The exit code of each kind of user error. */
export const USER_ERROR_EXIT: Readonly<Record<UserErrorKind, number>> = {
  usage: ExitCode.usage,
  server: ExitCode.server,
  // An output the user asked for (--report, --junit) could not be written: the run's result did not arrive.
  output: ExitCode.outputNotWritten,
};
