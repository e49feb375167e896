import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { catchEarlyInterrupts, removeEarlyInterrupts } from "../../../src/cli/early-interrupts.js";

/** Signals as an emitter, and the exit code the handler asked for. */
function fakeProcess() {
  const emitter = new EventEmitter();
  const exits: number[] = [];
  const host = {
    on: (signal: "SIGINT" | "SIGTERM", listener: () => void) => emitter.on(signal, listener),
    off: (signal: "SIGINT" | "SIGTERM", listener: () => void) => emitter.off(signal, listener),
    listeners: (signal: "SIGINT" | "SIGTERM") => emitter.listeners(signal) as Array<(...args: never[]) => unknown>,
    exit: (code: number) => void exits.push(code),
  };
  return { emitter, exits, host };
}

describe("Ctrl-C before nxrun's code has loaded", () => {
  it("ends a command that waits on the server with one line and exit 130", () => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      const { emitter, exits, host } = fakeProcess();
      let written = "";
      catchEarlyInterrupts("run", { write: (text: string) => (written += text) }, host);
      emitter.emit(signal);
      expect(exits).toEqual([130]);
      expect(written).toBe("nxrun: interrupted while starting; nothing was started\n");
    }
  });

  it("leaves Node's default to the commands that only read files", () => {
    const { emitter, host } = fakeProcess();
    catchEarlyInterrupts("check", { write: () => undefined }, host);
    expect(emitter.listenerCount("SIGINT") + emitter.listenerCount("SIGTERM")).toBe(0);
  });

  it("is removed when the command's own handling takes over, which keeps other listeners", () => {
    const { emitter, host } = fakeProcess();
    const own = () => undefined;
    emitter.on("SIGINT", own);
    catchEarlyInterrupts("status", { write: () => undefined }, host);
    expect(emitter.listenerCount("SIGINT")).toBe(2);
    removeEarlyInterrupts("SIGINT", host);
    expect(emitter.listeners("SIGINT")).toEqual([own]);
    expect(emitter.listenerCount("SIGTERM")).toBe(1);
    removeEarlyInterrupts("SIGTERM", host);
    expect(emitter.listenerCount("SIGTERM")).toBe(0);
  });
});
