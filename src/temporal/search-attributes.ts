/**
 * Search attributes as the server types them: the seven types a namespace registers, the form of a
 * value of each, and the payload that carries one (json/plain with a `type` metadata entry, as the
 * SDKs write it, so the server reads it as that type). Never passed through a payload codec: the
 * server must read them to index them.
 */
import { encodePayload } from "./payloads.js";
import type { TemporalApi } from "./proto.js";

/** The types as the pipeline names them, each with the name the server (and the payload's metadata) uses. */
const SERVER_NAMES = {
  keyword: "Keyword",
  text: "Text",
  int: "Int",
  double: "Double",
  bool: "Bool",
  datetime: "Datetime",
  keywordList: "KeywordList",
} as const;

export type SearchAttributeType = keyof typeof SERVER_NAMES;

export const SEARCH_ATTRIBUTE_TYPES = Object.keys(SERVER_NAMES) as readonly SearchAttributeType[];

/** One search attribute's value with its type. */
export interface TypedSearchAttribute {
  readonly type: SearchAttributeType;
  readonly value: unknown;
}

/** The server's name of a type (`Keyword`, `KeywordList`...). */
export function serverTypeName(type: SearchAttributeType): string {
  return SERVER_NAMES[type];
}

/** The pipeline's name of the server's `INDEXED_VALUE_TYPE_<X>` enum suffix, or undefined for one nxrun does not know. */
export function typeOfIndexedValueType(suffix: string): SearchAttributeType | undefined {
  const wanted = suffix.replace(/_/g, "").toLowerCase();
  return SEARCH_ATTRIBUTE_TYPES.find((type) => type.toLowerCase() === wanted);
}

export function isSearchAttributeType(name: string): name is SearchAttributeType {
  return Object.hasOwn(SERVER_NAMES, name);
}

// RFC 3339 with its offset: what the server accepts for a Datetime.
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/** What is wrong with `value` as a `type` search attribute, in a few words; undefined when it is right. */
export function searchAttributeProblem(type: SearchAttributeType, value: unknown): string | undefined {
  switch (type) {
    case "keyword":
    case "text":
      return typeof value === "string" ? undefined : "a string";
    case "int":
      return Number.isSafeInteger(value) ? undefined : "a whole number";
    case "double":
      return typeof value === "number" && Number.isFinite(value) ? undefined : "a number";
    case "bool":
      return typeof value === "boolean" ? undefined : "true or false";
    case "datetime":
      return typeof value === "string" && DATETIME.test(value) && !Number.isNaN(Date.parse(value))
        ? undefined
        : "an ISO 8601 time with its offset, e.g. 2026-01-31T12:00:00Z";
    case "keywordList":
      return Array.isArray(value) && value.every((item) => typeof item === "string") ? undefined : "a list of strings";
    default: {
      const never: never = type;
      throw new Error(`unknown search attribute type ${String(never)}`);
    }
  }
}

/** The SearchAttributes message of a start request; null when there are none. */
export function searchAttributesMessage(
  attributes: Readonly<Record<string, TypedSearchAttribute>> | undefined,
): TemporalApi.api.common.v1.ISearchAttributes | null {
  const entries = attributes ? Object.entries(attributes) : [];
  if (entries.length === 0) return null;
  const encoder = new TextEncoder();
  return {
    indexedFields: Object.fromEntries(
      entries.map(([name, { type, value }]) => {
        const payload = encodePayload(value);
        return [name, { ...payload, metadata: { ...payload.metadata, type: encoder.encode(serverTypeName(type)) } }];
      }),
    ),
  };
}
