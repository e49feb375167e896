/** `--report run.json`: the RunRecord (specs/report.schema.json), secrets redacted, written in close(). */
import type { Reporter, RunRecord } from "../engine/events.js";
import { redact } from "./redact.js";
import { createRunCollector } from "./run-collector.js";
import { linkRun, type UiLinks } from "./ui-links.js";
import { writeReportFile } from "./write-file.js";

/** The run.json text for a record: pretty JSON, secrets redacted. */
export function runReportJson(record: RunRecord, secrets: readonly string[], links?: UiLinks): string {
  return `${JSON.stringify(redact(linkRun(links, record), secrets), null, 2)}\n`;
}

/** A reporter that writes the run report to `path` when closed (after success, failure or interrupt). */
export function createRunReportWriter(options: {
  path: string;
  secrets: readonly string[];
  links?: UiLinks | undefined;
}): Reporter {
  const collector = createRunCollector();
  return {
    ...collector.reporter,
    async close() {
      const record = collector.record();
      if (record)
        await writeReportFile(options.path, runReportJson(record, options.secrets, options.links), "run report");
    },
  };
}
