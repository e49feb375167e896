/**
 * What nxrun sends to the server beside an execution's input is shown to anyone who can read the
 * namespace (the Web UI, `temporal activity describe`): its summary and details (user metadata), its
 * headers and its search attributes. They are masked with the run's secrets before they are sent, as every output is
 * (src/base/mask-secrets.ts); the input is not, since handing a secret to a worker is its purpose.
 */
import { mapPlainData } from "../base/map-plain-data.js";
import { maskNeedles } from "../base/mask-secrets.js";
import type { TypedSearchAttribute } from "../temporal/search-attributes.js";

interface Metadata {
  summary?: string;
  details?: string;
  headers?: Readonly<Record<string, unknown>>;
  searchAttributes?: Readonly<Record<string, TypedSearchAttribute>>;
}

/** Start options with their summary, details, headers and search attributes masked (`needles` from secretNeedles). */
export function withMaskedMetadata<T extends Metadata>(options: T, needles: readonly string[]): T {
  if (needles.length === 0) return options;
  const { summary, details, headers, searchAttributes } = options;
  if (summary === undefined && details === undefined && headers === undefined && searchAttributes === undefined) {
    return options;
  }
  const mask = (text: string) => maskNeedles(text, needles);
  return {
    ...options,
    ...(summary === undefined ? {} : { summary: mask(summary) }),
    ...(details === undefined ? {} : { details: mask(details) }),
    ...(headers === undefined ? {} : { headers: mapPlainData(headers, { string: mask }) as T["headers"] }),
    ...(searchAttributes === undefined
      ? {}
      : { searchAttributes: mapPlainData(searchAttributes, { string: mask }) as T["searchAttributes"] }),
  };
}
