/**
 * The published output schemas (specs/events.schema.json, report.schema.json, status.schema.json)
 * compiled once, as an editor or a CI step would use them: strict, every error, formats checked.
 * Unit and end-to-end tests check nxrun's NDJSON events, run.json and `status -o json` against them.
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { expect } from "vitest";
import eventsSchema from "../../specs/events.schema.json" with { type: "json" };
import reportSchema from "../../specs/report.schema.json" with { type: "json" };
import statusSchema from "../../specs/status.schema.json" with { type: "json" };

const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);
ajv.addSchema(reportSchema);

export const validateEvent = ajv.compile(eventsSchema);
export const validateReport: ValidateFunction = ajv.getSchema(reportSchema.$id)!;
export const validateStatus = ajv.compile(statusSchema);

/** What the validator last found wrong, as one readable text. */
export function schemaErrors(validate: ValidateFunction): string {
  return ajv.errorsText(validate.errors);
}

/** NDJSON output (`-o json`) as its events, each checked against specs/events.schema.json. */
export function ndjsonEvents<T extends { event: string } = { event: string }>(stdout: string): T[] {
  const events = stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as T);
  for (const event of events) {
    expect(validateEvent(event), `${JSON.stringify(event)}\n${schemaErrors(validateEvent)}`).toBe(true);
  }
  return events;
}
