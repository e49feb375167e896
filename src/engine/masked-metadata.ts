/**
 * What nxrun sends to the server beside an execution's input is shown to anyone who can read the
 * namespace (the Web UI, `temporal activity describe`): its summary and details (user metadata) and
 * its headers. They are masked with the run's secrets before they are sent, as every output is
 * (src/base/mask-secrets.ts); the input is not, since handing a secret to a worker is its purpose.
 */
import { mapPlainData } from "../base/map-plain-data.js";
import { maskNeedles } from "../base/mask-secrets.js";
import type { ExecutionSpec } from "./execution.js";

/** `spec` with its summary, details and headers masked (`needles` from secretNeedles). */
export function withMaskedMetadata(spec: ExecutionSpec, needles: readonly string[]): ExecutionSpec {
  if (needles.length === 0) return spec;
  const { summary, details, headers } = spec.options;
  if (summary === undefined && details === undefined && headers === undefined) return spec;
  const mask = (value: unknown) => mapPlainData(value, { string: (text) => maskNeedles(text, needles) });
  const masked = {
    ...(summary === undefined ? {} : { summary: maskNeedles(summary, needles) }),
    ...(details === undefined ? {} : { details: maskNeedles(details, needles) }),
  };
  return spec.kind === "activity"
    ? {
        kind: "activity",
        options: {
          ...spec.options,
          ...masked,
          ...(spec.options.headers === undefined
            ? {}
            : { headers: mask(spec.options.headers) as Record<string, unknown> }),
        },
      }
    : {
        kind: "nexus",
        options: {
          ...spec.options,
          ...masked,
          ...(spec.options.headers === undefined
            ? {}
            : { headers: mask(spec.options.headers) as Record<string, string> }),
        },
      };
}
