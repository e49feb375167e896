import { describe, expect, it } from "vitest";
import { colorWanted, detectTerminal } from "../../../src/base/terminal.js";
import { noInput } from "../../support/unit/terminal.js";

const stream = (fields: { isTTY?: boolean; columns?: number; rows?: number }) =>
  ({ write: () => true, ...fields }) as unknown as NodeJS.WriteStream;
/** The terminal over `stdout` under `env`, with a stderr and a stdin that are no TTY. */
const over = (stdout: NodeJS.WriteStream, env: Record<string, string>) =>
  detectTerminal({ stdout, stderr: stream({}), stdin: noInput(), env });

describe("the terminal", () => {
  it("colours a TTY, not a pipe; NO_COLOR turns it off, TERM=dumb too", () => {
    expect(colorWanted(true, {})).toBe(true);
    expect(colorWanted(false, {})).toBe(false);
    expect(colorWanted(true, { NO_COLOR: "1" })).toBe(false);
    // https://no-color.org: present and not empty.
    expect(colorWanted(true, { NO_COLOR: "" })).toBe(true);
    expect(colorWanted(true, { TERM: "dumb" })).toBe(false);
  });

  it("FORCE_COLOR wins over the TTY and over NO_COLOR, as in Node; 0 and false force it off", () => {
    expect(colorWanted(false, { FORCE_COLOR: "1" })).toBe(true);
    expect(colorWanted(false, { FORCE_COLOR: "" })).toBe(true);
    expect(colorWanted(false, { FORCE_COLOR: "3" })).toBe(true);
    expect(colorWanted(true, { FORCE_COLOR: "1", NO_COLOR: "1" })).toBe(true);
    expect(colorWanted(true, { FORCE_COLOR: "0" })).toBe(false);
    expect(colorWanted(true, { FORCE_COLOR: "false" })).toBe(false);
  });

  it("decides per stream, and reads the width and height each time (terminals resize)", () => {
    const out = { write: () => true, isTTY: true, columns: 120, rows: 40 };
    const terminal = detectTerminal({
      stdout: out as unknown as NodeJS.WriteStream,
      stderr: stream({}),
      stdin: noInput(),
      env: {},
    });
    expect(terminal.stdout).toMatchObject({ isTTY: true, color: true });
    expect(terminal.stderr).toMatchObject({ isTTY: false, color: false, hyperlinks: false });
    expect(terminal.stdout.width()).toBe(120);
    out.columns = 90;
    expect(terminal.stdout.width()).toBe(90);
    expect(terminal.stdout.height()).toBe(40);
    expect(terminal.stderr.width()).toBe(80);
    expect(terminal.stderr.height()).toBe(24);
  });

  it("is interactive only on a TTY outside CI", () => {
    const tty = stream({ isTTY: true });
    expect(over(tty, {}).interactive).toBe(true);
    expect(over(tty, { CI: "true" })).toMatchObject({ ci: true, interactive: false });
    expect(over(tty, { CI: "false" }).interactive).toBe(true);
    expect(over(tty, { CI: "0" }).interactive).toBe(true);
    expect(over(stream({}), {}).interactive).toBe(false);
  });

  it("draws hyperlinks only where colour is on", () => {
    // supports-hyperlinks reads the process environment; with colour off nothing else is asked.
    const terminal = over(stream({ isTTY: true }), { NO_COLOR: "1" });
    expect(terminal.stdout.hyperlinks).toBe(false);
  });
});
