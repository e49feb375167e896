/** The connection's lines, lost and reconnected, in plain, NDJSON and the Ink view: one since, one duration. */
import { render } from "ink-testing-library";
import { describe, expect, it } from "vitest";
import type { ConnectionEvent, Reporter } from "../../../src/engine/events.js";
import { createJsonReporter } from "../../../src/report/json.js";
import { createPlainReporter } from "../../../src/report/plain.js";
import { RunView } from "../../../src/report/tui/run-view.js";
import { ViewStore } from "../../../src/report/tui/store.js";
import { at, runStart, T0 } from "../../support/unit/sequence.js";

const lost: ConnectionEvent = {
  state: "lost",
  address: "127.0.0.1:7233",
  since: at(2),
  message: "server not answering",
};
const back: ConnectionEvent = { state: "reconnected", address: "127.0.0.1:7233", since: at(2) };

function sink() {
  const chunks: string[] = [];
  return { stream: { write: (chunk: string) => chunks.push(chunk) }, text: () => chunks.join("") };
}

describe("the connection's lines", () => {
  it("plain, NDJSON and the Ink view date the outage alike and time it from its start to the answer", () => {
    const clock = { now: T0 + 5_000 };
    const plainOut = sink();
    const jsonOut = sink();
    const reporters: Reporter[] = [
      createPlainReporter({ stream: plainOut.stream, color: false, now: () => clock.now }),
      createJsonReporter({ stream: jsonOut.stream, now: () => clock.now }),
    ];
    const store = new ViewStore(() => clock.now);
    store.runStart(runStart);
    const frame = () => render(<RunView state={store.state} now={clock.now} tick={0} width={100} />).lastFrame() ?? "";

    for (const reporter of reporters) reporter.onConnection?.(lost);
    store.connection(lost);
    expect(frame()).toContain("⚠ lost connection to 127.0.0.1:7233, retrying since 00:00:02 (3 s)");
    clock.now = T0 + 9_400; // the answer that ends it
    for (const reporter of reporters) reporter.onConnection?.(back);
    store.connection(back);
    clock.now = T0 + 12_000;

    expect(plainOut.text()).toBe(
      "00:00:05.000Z offline   lost connection to 127.0.0.1:7233, retrying since 00:00:02 (server not answering)\n" +
        "00:00:09.400Z online    reconnected to 127.0.0.1:7233 after 7.4s\n",
    );
    expect(frame()).toContain("✔ reconnected to 127.0.0.1:7233 after 7.4s");
    const events = jsonOut
      .text()
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as ConnectionEvent & { time: string });
    expect(events.map((e) => [e.state, e.since])).toEqual([
      ["lost", at(2)],
      ["reconnected", at(2)],
    ]);
    expect(Date.parse(events[1]?.time ?? "") - Date.parse(events[1]?.since ?? "")).toBe(7_400);
  });
});
