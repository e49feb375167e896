/**
 * The inputs a pipeline file declares, for completing `-i name=`: read with the YAML parser alone
 * (no schema check, no ajv), so a TAB costs one small parse and a broken file just completes nothing.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { resolve } from "node:path";
import { parse } from "../../pipeline/yaml-module.js";

export interface DeclaredInput {
  readonly name: string;
  readonly description?: string;
  /** Values worth offering after `name=`: the schema's enum, or true/false for a boolean. */
  readonly values: readonly string[];
}

export function declaredInputs(file: string, cwd: string = process.cwd()): DeclaredInput[] {
  let doc: unknown;
  try {
    const path = file.startsWith("~/") ? resolve(homedir(), file.slice(2)) : resolve(cwd, file);
    doc = parse(readFileSync(path, "utf8"));
  } catch {
    return [];
  }
  const inputs = isRecord(doc) && isRecord(doc.inputs) ? doc.inputs : {};
  return Object.entries(inputs).map(([name, schema]) => {
    const s = isRecord(schema) ? schema : {};
    const values = Array.isArray(s.enum)
      ? s.enum.map((v) => (typeof v === "string" ? v : JSON.stringify(v)))
      : s.type === "boolean"
        ? ["true", "false"]
        : [];
    return { name, values, ...(typeof s.description === "string" ? { description: s.description } : {}) };
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
