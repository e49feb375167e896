/**
 * Links to the Temporal Web UI (src/report/ui-links.ts): where the address comes from, the page URL of
 * each kind of execution, and how each output shows it (Ink view with and without OSC 8, plain, NDJSON,
 * run.json, JUnit). The URLs are checked against a real UI in test/e2e/web-ui.test.ts.
 */

import { EventEmitter } from "node:events";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { render } from "ink-testing-library";
import { describe, expect, it } from "vitest";
import type { StepRecord } from "../../../src/engine/events.js";
import { createReporters } from "../../../src/report/index.js";
import { createJsonReporter } from "../../../src/report/json.js";
import { junitXml } from "../../../src/report/junit.js";
import { createPlainReporter } from "../../../src/report/plain.js";
import { runReportJson } from "../../../src/report/run-report.js";
import { createTuiReporter } from "../../../src/report/tui/reporter.js";
import { RunView } from "../../../src/report/tui/run-view.js";
import { ViewStore } from "../../../src/report/tui/store.js";
import { executionUiUrl, resolveUiLinks, type UiLinks } from "../../../src/report/ui-links.js";
import { at, exec, failingRun, RUN_ID, runStart, T0 } from "../../support/unit/sequence.js";
import { terminalOver } from "../../support/unit/terminal.js";

const links: UiLinks = { base: "http://127.0.0.1:8233", namespace: "default" };
const RUN = exec("build").runId;
const BUILD_URL = `http://127.0.0.1:8233/namespaces/default/activities/${RUN_ID}.build/${RUN}/details`;

describe("the Web UI's address", () => {
  it("comes from --ui-url, then TEMPORAL_UI_URL, then the pipeline; empty counts as unset", () => {
    const all = { flag: "http://flag:1", env: "http://env:2", pipeline: "http://file:3" };
    expect(resolveUiLinks(all, "ns").links).toEqual({ base: "http://flag:1", namespace: "ns" });
    expect(resolveUiLinks({ ...all, flag: undefined }, "ns").links?.base).toBe("http://env:2");
    expect(resolveUiLinks({ ...all, flag: "", env: " " }, "ns").links?.base).toBe("http://file:3");
    expect(resolveUiLinks({}, "ns")).toEqual({});
  });

  it("keeps a path prefix, drops a trailing slash, a query and a fragment", () => {
    expect(resolveUiLinks({ flag: "https://ops.example/temporal/?x=1#top" }, "ns").links?.base).toBe(
      "https://ops.example/temporal",
    );
  });

  it("that is not an http(s) URL gives a warning naming its source and no links", () => {
    expect(resolveUiLinks({ env: "localhost:8233" }, "ns")).toEqual({
      warning: "TEMPORAL_UI_URL is not an http(s) URL; executions are not linked to the Web UI",
    });
    expect(resolveUiLinks({ pipeline: "not a url" }, "ns")).toEqual({
      warning: "the pipeline's temporal.uiUrl is not a URL; executions are not linked to the Web UI",
    });
  });
});

describe("an execution's page", () => {
  it("is the UI's details route of a standalone activity or Nexus operation, the ID one encoded segment", () => {
    expect(executionUiUrl(links, exec("build"))).toBe(BUILD_URL);
    expect(executionUiUrl(links, { kind: "nexus", executionId: "a/b c#1", runId: "r-1" })).toBe(
      "http://127.0.0.1:8233/namespaces/default/nexus-operations/a%2Fb%20c%231/r-1/details",
    );
  });

  it("is not known before the run ID is, nor without the UI's address", () => {
    expect(executionUiUrl(links, { kind: "activity", executionId: "x" })).toBeUndefined();
    expect(executionUiUrl(undefined, exec("build"))).toBeUndefined();
  });
});

const failedBuild: StepRecord = {
  id: "build",
  section: "steps",
  kind: "activity",
  status: "failed",
  execution: exec("build"),
  startedAt: at(0),
  closedAt: at(2),
  error: { message: "boom", type: "Boom" },
};

function viewOf(hyperlinks: boolean) {
  const store = new ViewStore(() => T0, links, hyperlinks);
  store.runStart(runStart);
  store.step(failedBuild, true);
  return render(<RunView state={store.state} now={T0 + 3000} tick={0} width={100} />).lastFrame() ?? "";
}

describe("the Ink view", () => {
  it("makes the execution ID an OSC 8 link where the terminal shows them", () => {
    const frame = viewOf(true);
    expect(frame).toContain(`\u001b]8;;${BUILD_URL}\u0007…ab12.build\u001b]8;;\u0007`);
  });

  it("where they do not, leaves the row alone and prints failed pages in full below the last frame", async () => {
    expect(viewOf(false)).not.toContain("\u001b]8;;");
    let out = "";
    const stdout = Object.assign(new EventEmitter(), {
      isTTY: true,
      columns: 60,
      rows: 30,
      write: (chunk: string) => {
        out += chunk;
        return true;
      },
    });
    const reporter = createTuiReporter({
      // No colour, so no OSC 8 either (src/base/terminal.ts).
      terminal: terminalOver(stdout),
      header: { address: "127.0.0.1:7233", namespace: "default" },
      links,
    });
    failingRun(reporter);
    await reporter.close?.();
    const below = out.slice(out.lastIndexOf("Temporal Web UI:"));
    expect(below).toContain(`  fanout[3]  http://127.0.0.1:8233/namespaces/default/activities/${RUN_ID}.fanout.3/`);
    expect(below).not.toContain("\u001b]8;;");
  });
});

describe("plain, NDJSON, run.json and JUnit", () => {
  it("plain prints each step's page once, when its run ID is known", () => {
    let out = "";
    failingRun(createPlainReporter({ stream: { write: (s: string) => (out += s) }, color: false, links }));
    const pages = out.split("\n").filter((line) => line.includes("web ui"));
    expect(pages.filter((line) => line.includes(" build http")).length).toBe(1);
    expect(pages.find((line) => line.includes(" build http"))).toContain(BUILD_URL);
  });

  it("NDJSON, run.json and JUnit carry uiUrl; without the address they carry none", () => {
    let out = "";
    const record = failingRun(createJsonReporter({ stream: { write: (s: string) => (out += s) }, links }));
    expect(out).toContain(`"uiUrl":"${BUILD_URL}"`);
    const report = JSON.parse(runReportJson(record, links)) as { steps: StepRecord[] };
    expect(report.steps.find((s) => s.id === "build")?.execution?.uiUrl).toBe(BUILD_URL);
    expect(runReportJson(record)).not.toContain("uiUrl");
    expect(junitXml(record, links)).toContain(`Temporal Web UI: ${BUILD_URL}`);
    expect(junitXml(record)).not.toContain("Temporal Web UI");
  });

  it("the Markdown summary links each step to its page", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "nxrun-ui-")), "summary.md");
    const reporter = createReporters({
      output: "json",
      terminal: terminalOver({ write: () => true }, {}),
      secrets: [],
      header: { address: "127.0.0.1:7233", namespace: "default" },
      summary: { file },
      links,
    });
    failingRun(reporter);
    await reporter.close?.();
    expect(readFileSync(file, "utf8")).toContain(`(${BUILD_URL})`);
  });
});
