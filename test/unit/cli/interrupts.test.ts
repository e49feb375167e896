import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { catchInterrupts, type InterruptHost } from "../../../src/cli/interrupts.js";

/** Signals sent by hand, exits recorded. */
function fakeHost() {
  const emitter = new EventEmitter();
  const exits: number[] = [];
  const host: InterruptHost = {
    on: (signal, listener) => emitter.on(signal, listener),
    off: (signal, listener) => emitter.off(signal, listener),
    exit: (code) => exits.push(code),
  };
  let text = "";
  const stderr = { write: (t: string) => (text += t) };
  return { host, exits, stderr, send: (s: "SIGINT" | "SIGTERM") => emitter.emit(s), text: () => text, emitter };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe("catchInterrupts", () => {
  it("says what the command was doing, writes what it owes, then exits 130", async () => {
    const fake = fakeHost();
    const interrupts = catchInterrupts(fake.stderr, fake.host);
    interrupts.doing("connecting to h:1", "nothing was started");
    const written: string[] = [];
    interrupts.onInterrupt(async (message) => {
      written.push(message);
    });
    fake.send("SIGTERM");
    await settled();
    expect(fake.text()).toBe("nxrun: interrupted while connecting to h:1; nothing was started\n");
    expect(written).toEqual(["interrupted while connecting to h:1"]);
    expect(fake.exits).toEqual([130]);
  });

  it("a second signal while the report is written exits at once", async () => {
    const fake = fakeHost();
    const interrupts = catchInterrupts(fake.stderr, fake.host);
    interrupts.onInterrupt(() => new Promise<void>(() => undefined));
    fake.send("SIGINT");
    await settled();
    expect(fake.exits).toEqual([]);
    fake.send("SIGINT");
    expect(fake.exits).toEqual([130]);
  });

  it("hands signals to the run once it takes over, and takes them back when released", async () => {
    const fake = fakeHost();
    const interrupts = catchInterrupts(fake.stderr, fake.host);
    let handled = 0;
    const release = await interrupts.takeOver(() => handled++);
    fake.send("SIGINT");
    fake.send("SIGTERM");
    expect(handled).toBe(2);
    expect(fake.text()).toBe("");
    release();
    interrupts.doing("closing run r");
    fake.send("SIGINT");
    await settled();
    expect(handled).toBe(2);
    expect(fake.text()).toBe("nxrun: interrupted while closing run r\n");
    expect(fake.exits).toEqual([130]);
  });

  it("lets no run start after a signal, and stops listening when closed", async () => {
    const fake = fakeHost();
    const interrupts = catchInterrupts(fake.stderr, fake.host);
    interrupts.onInterrupt(() => new Promise<void>(() => undefined));
    fake.send("SIGINT");
    let tookOver = false;
    void interrupts.takeOver(() => undefined).then(() => (tookOver = true));
    await settled();
    expect(tookOver).toBe(false);
    interrupts.close();
    expect(fake.emitter.listenerCount("SIGINT") + fake.emitter.listenerCount("SIGTERM")).toBe(0);
  });
});
