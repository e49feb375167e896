/**
 * Links from a run's executions to their pages in the Temporal Web UI, when the UI's address is
 * known (`--ui-url`, TEMPORAL_UI_URL, the pipeline's `temporal.uiUrl`: docs/connecting.md). The page
 * of a standalone activity is `<ui>/namespaces/<ns>/activities/<activity ID>/<run ID>/details`, of a
 * standalone Nexus operation `<ui>/namespaces/<ns>/nexus-operations/<operation ID>/<run ID>/details`
 * (the Web UI's own routes; the ID is one URL path segment, percent-encoded). An execution whose run
 * ID is not known yet has no page to link to. A link is only ever printed: a wrong address shows as
 * a page that does not load, never as a failed run.
 */
import type { ExecutionRef, ItemRecord, RunRecord, StepRecord } from "../engine/events.js";
import { isFailure } from "./format.js";

export interface UiLinks {
  /** The UI's address without a trailing slash, e.g. `http://127.0.0.1:8233`. */
  readonly base: string;
  readonly namespace: string;
}

/** Where the UI's address came from, highest first. */
export interface UiUrlSources {
  flag?: string | undefined;
  env?: string | undefined;
  pipeline?: string | undefined;
}

/**
 * The UI's address from the first source that gives one, or a warning when that one is not an
 * http(s) URL (the run goes on without links). An empty value counts as unset, as TEMPORAL_* do.
 */
export function resolveUiLinks(sources: UiUrlSources, namespace: string): { links?: UiLinks; warning?: string } {
  const named: Array<[string, string | undefined]> = [
    ["--ui-url", sources.flag],
    ["TEMPORAL_UI_URL", sources.env],
    ["the pipeline's temporal.uiUrl", sources.pipeline],
  ];
  const found = named.find(([, value]) => value !== undefined && value.trim() !== "");
  if (!found) return {};
  const [where, value = ""] = found;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return { warning: `${where} is not a URL; executions are not linked to the Web UI` };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { warning: `${where} is not an http(s) URL; executions are not linked to the Web UI` };
  }
  url.search = "";
  url.hash = "";
  return { links: { base: url.href.replace(/\/+$/, ""), namespace } };
}

/** The execution's page in the UI, or undefined before its run ID is known. */
export function executionUiUrl(links: UiLinks | undefined, ref: ExecutionRef | undefined): string | undefined {
  if (!links || !ref?.runId) return undefined;
  const section = ref.kind === "activity" ? "activities" : "nexus-operations";
  const path = ["namespaces", links.namespace, section, ref.executionId, ref.runId].map(encodeURIComponent);
  return `${links.base}/${path.join("/")}/details`;
}

/** The ref with its `uiUrl` when it has a page; the same object when it has none. */
export function linkRef(links: UiLinks | undefined, ref: ExecutionRef): ExecutionRef {
  const uiUrl = executionUiUrl(links, ref);
  return uiUrl === undefined ? ref : { ...ref, uiUrl };
}

export function linkItem(links: UiLinks | undefined, item: ItemRecord): ItemRecord {
  return item.execution ? { ...item, execution: linkRef(links, item.execution) } : item;
}

export function linkStep(links: UiLinks | undefined, step: StepRecord): StepRecord {
  if (!links) return step;
  const linked: StepRecord = { ...step };
  if (step.execution) linked.execution = linkRef(links, step.execution);
  if (step.items) linked.items = step.items.map((item) => linkItem(links, item));
  return linked;
}

/** The record with each execution's `uiUrl` (run.json, the NDJSON runEnd event, JUnit). */
export function linkRun(links: UiLinks | undefined, record: RunRecord): RunRecord {
  if (!links) return record;
  return { ...record, steps: record.steps.map((step) => linkStep(links, step)) };
}

/**
 * An OSC 8 hyperlink. Whether the terminal shows them is decided once, by supports-hyperlinks for the
 * stream the view draws on, in the terminal object (src/base/terminal.ts); terminal-link would decide again, for process.stdout, and fall
 * back to printing the URL, which a one-line step row cannot hold. `url` comes from executionUiUrl:
 * parsed and percent-encoded, so it carries no control character that could end the sequence.
 */
export function osc8Link(text: string, url: string): string {
  return `\u001b]8;;${url}\u0007${text}\u001b]8;;\u0007`;
}

/** `build  http://…` for each failed execution that has a page: what to open first after a failure. */
export function failedPages(
  steps: ReadonlyArray<{
    id: string;
    status: StepRecord["status"];
    uiUrl?: string | undefined;
    failingItems: ReadonlyArray<{ index: number; uiUrl?: string | undefined }>;
  }>,
): string[] {
  const lines: string[] = [];
  for (const step of steps) {
    if (isFailure(step.status) && step.uiUrl) lines.push(`${step.id}  ${step.uiUrl}`);
    for (const item of step.failingItems) if (item.uiUrl) lines.push(`${step.id}[${item.index}]  ${item.uiUrl}`);
  }
  return lines;
}
