/**
 * The one place that decides what the terminal can do: built once by the CLI (src/cli/main.ts) and
 * handed to every command and reporter, so no file writes to process.stdout, asks its isTTY or reads
 * NO_COLOR itself.
 *
 * Colour, per stream, in this order:
 * - FORCE_COLOR: "0" or "false" turns colour off, any other value (also empty) turns it on, with or
 *   without a terminal. It wins over NO_COLOR, as in Node itself and in chalk.
 * - NO_COLOR (https://no-color.org), present and not empty: off.
 * - TERM=dumb: off.
 * - otherwise on exactly when the stream is a TTY.
 * Hyperlinks (OSC 8) follow the supports-hyperlinks package (it knows which terminals draw them and
 * honours FORCE_HYPERLINK), and only where colour is on: a terminal told not to colour is not sent
 * other escape sequences either.
 */
import { createSupportsHyperlinks } from "supports-hyperlinks";

type Env = Readonly<Record<string, string | undefined>>;

/** One output stream and what may be written to it. */
export interface Screen {
  /** A pipe, a file or a test double has no isTTY, columns or rows: read through the fields below. */
  readonly stream: NodeJS.WriteStream;
  readonly isTTY: boolean;
  readonly color: boolean;
  /** OSC 8 links are drawn as links here. */
  readonly hyperlinks: boolean;
  /** Columns now (a terminal can be resized while a run goes on); 80 when unknown. */
  width(): number;
  /** Rows now; 24 when unknown. */
  height(): number;
}

export interface Terminal {
  readonly stdout: Screen;
  readonly stderr: Screen;
  readonly stdin: NodeJS.ReadStream;
  /** A CI service set CI (to "true", "1", ...); "false" and "0" mean not CI, as in vitest's std-env. */
  readonly ci: boolean;
  /** A person is watching stdout: it is a TTY and this is not CI. Decides the Ink view by default. */
  readonly interactive: boolean;
  /** The environment the command reads (the process's in the CLI): secrets, GitHub Actions, tracing. */
  readonly env: Env;
}

/** Colour on `isTTY` under `env`, by the rules above. */
export function colorWanted(isTTY: boolean, env: Env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force !== "false";
  const noColor = env.NO_COLOR;
  if (noColor !== undefined && noColor !== "") return false;
  if (env.TERM === "dumb") return false;
  return isTTY;
}

function isCi(env: Env): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== "" && ci !== "false" && ci !== "0";
}

function screenOf(stream: NodeJS.WriteStream, env: Env): Screen {
  const isTTY = stream.isTTY === true;
  const color = colorWanted(isTTY, env);
  return {
    stream,
    isTTY,
    color,
    hyperlinks: color && createSupportsHyperlinks(stream),
    width: () => (stream.columns !== undefined && stream.columns > 0 ? stream.columns : 80),
    height: () => (stream.rows !== undefined && stream.rows > 0 ? stream.rows : 24),
  };
}

/**
 * The terminal over the given streams and environment: the process's own, which only the CLI's entry
 * (src/cli/main.ts) hands in, or a test's.
 */
export function detectTerminal(io: {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  env: Env;
}): Terminal {
  const { env } = io;
  const stdout = screenOf(io.stdout, env);
  const stderr = screenOf(io.stderr, env);
  const ci = isCi(env);
  return { stdout, stderr, stdin: io.stdin, ci, interactive: stdout.isTTY && !ci, env };
}
