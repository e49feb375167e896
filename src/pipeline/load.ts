/**
 * Loading a pipeline file: YAML with positions → schema validation → typed model → expression and
 * reference checks. Every problem found is returned, each placed in the file, never only the first.
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, relative as relativePath, resolve } from "node:path";
import type { Node, YAMLError } from "yaml";
import { buildModel, type ResolveUses } from "./build-model.js";
import { checkReferences } from "./check-references.js";
import { compileNode } from "./compile-node.js";
import type { Diagnostic } from "./diagnostic.js";
import { Codes } from "./diagnostic-codes.js";
import { DiagnosticList, sortDiagnostics } from "./diagnostic-list.js";
import { parseTemplate } from "./expr/template.js";
import type { Pipeline } from "./model.js";
import type { RawPipeline } from "./raw-types.js";
import { pipelineValidator } from "./schema.js";
import { describeLocation, reportSchemaErrors } from "./schema-errors.js";
import { isMap, isScalar, isSeq } from "./yaml-module.js";
import { type JsonPath, keyName, YamlFile } from "./yaml-source.js";

export type LoadResult =
  | { ok: true; pipeline: Pipeline; warnings: Diagnostic[] }
  | { ok: false; diagnostics: Diagnostic[] };

/** Reads and checks a pipeline file. */
export async function loadPipeline(path: string): Promise<LoadResult> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
    return {
      ok: false,
      diagnostics: [
        {
          code: Codes.fileUnreadable,
          severity: "error",
          message: `cannot read ${path}: ${reason}`,
          hint: "check the path",
          file,
          line: 0,
          column: 0,
        },
      ],
    };
  }
  return loadPipelineText(text, file);
}

/**
 * Checks a pipeline given as text; `file` names it in diagnostics. `chain` is the files whose
 * `uses:` led here (outermost first), to find a cycle of uses.
 */
export function loadPipelineText(text: string, file: string, chain: readonly string[] = []): LoadResult {
  const out = new DiagnosticList();
  const src = new YamlFile(file, text);

  if (src.doc.errors.length > 0) {
    for (const error of src.doc.errors) reportYamlError(src, error, out);
    return fail(out);
  }
  const contents = src.doc.contents;
  if (contents === null || (isScalar(contents) && (contents.value === null || contents.value === ""))) {
    out.error(
      Codes.notAMapping,
      "the file is empty",
      src.positionAt(0),
      "a pipeline starts with nxrun: 1, name: and steps:",
    );
    return fail(out);
  }
  if (!isMap(src.resolve(contents))) {
    out.error(
      Codes.notAMapping,
      "a pipeline is a mapping of keys (nxrun:, name:, steps: ...)",
      src.positionOf(contents),
      "start with nxrun: 1",
    );
    return fail(out);
  }
  let root: unknown;
  try {
    root = src.doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    out.error(
      Codes.yamlSyntax,
      `the YAML cannot be read: ${(error as Error).message}`,
      src.positionAt(0),
      "check anchors and aliases",
    );
    return fail(out);
  }

  const validate = pipelineValidator();
  if (!validate(root)) {
    reportSchemaErrors(validate.errors ?? [], src, root, out);
    // Expressions are still compiled so their syntax errors come in the same report.
    const seen = new Set<Node>();
    compileNode(src, contents, out, seen);
    return fail(out);
  }

  const seen = new Set<Node>();
  const draft = buildModel(src, root as RawPipeline, out, seen, usesResolver(file, chain, out));
  checkReferences(src, draft, out);
  reportMisplacedExpressions(src, seen, out);
  if (out.hasErrors) return fail(out);
  return { ok: true, pipeline: freezeModel(draft as Pipeline), warnings: sortDiagnostics(out.items) };
}

/**
 * Loads used pipelines (synchronously: a file at a time, as check reads them). A mistake inside a
 * used file is reported at its own path, line and column, once, however many steps use it.
 */
function usesResolver(file: string, chain: readonly string[], out: DiagnosticList): ResolveUses {
  const loaded = new Map<string, LoadResult>();
  return (relative, at) => {
    const target = resolve(dirname(file), relative);
    const path = [...chain, file];
    if (path.includes(target)) {
      const cycle = [...path.slice(path.indexOf(target)), target].map((f) => relativePath(dirname(file), f) || f);
      out.error(
        Codes.usesCycle,
        `pipelines use each other in a cycle: ${cycle.join(" → ")}`,
        at,
        "a used pipeline cannot use, directly or not, the pipeline that uses it; break the cycle",
      );
      return undefined;
    }
    let result = loaded.get(target);
    if (!result) {
      let text: string;
      try {
        text = readFileSync(target, "utf8");
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
        out.error(
          Codes.usesFile,
          `uses: cannot read ${relative} (${target}): ${reason}`,
          at,
          "uses names a pipeline file relative to this one, e.g. uses: ./provision-db.yaml",
        );
        return undefined;
      }
      result = loadPipelineText(text, target, path);
      loaded.set(target, result);
      if (!result.ok) for (const d of result.diagnostics) out.items.push(d);
    }
    return result.ok ? result.pipeline : undefined;
  };
}

function fail(out: DiagnosticList): LoadResult {
  return { ok: false, diagnostics: sortDiagnostics(out.items) };
}

/** A YAML syntax error as a diagnostic at its place (pipelines and test files alike). */
export function reportYamlError(src: YamlFile, error: YAMLError, out: DiagnosticList): void {
  let [start, end] = error.pos;
  if (error.code === "MISSING_CHAR" && /quote/.test(error.message)) {
    // The parser notices a missing closing quote at the end of the file; the opening one is the mistake.
    const opening = unclosedQuote(src.text, start);
    if (opening !== undefined) [start, end] = [opening, opening + 1];
  }
  // Point at the line's first character rather than the indentation before it.
  while (src.text[start] === " ") start++;
  end = Math.max(end, start + 1);
  const at = src.positionAt(start);
  if (error.code === "DUPLICATE_KEY") {
    const key = /^("[^"]*"|'[^']*'|[^:\s]+)/.exec(src.text.slice(start))?.[0] ?? "";
    out.error(
      Codes.duplicateKey,
      `the key ${key ? `"${key}" ` : ""}appears twice in the same mapping`,
      at,
      "a mapping holds each key once; remove or rename one",
      src.positionAt(end),
    );
    return;
  }
  const message = error.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, "").trim();
  const hint = /quote/.test(message) ? "close the quote on the same line, or remove it" : yamlHint(error.code);
  out.error(Codes.yamlSyntax, `YAML syntax error: ${message}`, at, hint, src.positionAt(end));
}

/** Offset of the first quote in the text before `limit` that is never closed on its line. */
function unclosedQuote(text: string, limit: number): number | undefined {
  let offset = 0;
  for (const line of text.slice(0, limit).split("\n")) {
    const withoutComment = line.replace(/\s#.*$/, "");
    for (const quote of ['"', "'"]) {
      const at = withoutComment.indexOf(quote);
      if (at < 0) continue;
      const rest = withoutComment.slice(at + 1);
      const closed = quote === '"' ? /(^|[^\\])"/.test(rest) : rest.includes("'");
      if (!closed) return offset + at;
    }
    offset += line.length + 1;
  }
  return undefined;
}

function yamlHint(code: string): string {
  switch (code) {
    case "TAB_AS_INDENT":
      return "indent with spaces, not tabs";
    case "BAD_INDENT":
    case "MISSING_CHAR":
      return "check the indentation of this line and the one above";
    case "MULTIPLE_DOCS":
      return "one pipeline per file: remove the '---' separator";
    default:
      return "check quotes, colons and indentation; a value holding ': ' or starting with { or [ needs quotes";
  }
}

/** A `{% %}` string in a key that is read literally (e.g. activity:) would silently never be evaluated. */
function reportMisplacedExpressions(src: YamlFile, compiled: ReadonlySet<Node>, out: DiagnosticList): void {
  const walk = (node: unknown, path: (string | number)[], depth: number): void => {
    const resolved = src.resolve(node);
    if (resolved === undefined || depth > 100) return;
    if (isScalar(resolved)) {
      if (typeof resolved.value === "string" && !compiled.has(resolved) && parseTemplate(resolved.value)) {
        out.error(
          Codes.exprNotHere,
          `${describeLocation(path, src.doc.toJS())} is read as written; expressions are evaluated only in vars, outputs, and a step's input, args, when, forEach, summary, confirm, taskQueue, nexus endpoint, timeouts, retry and priority`,
          src.positionOf(resolved),
          "write the value literally, or compute it in the step's input",
        );
      }
      return;
    }
    if (isMap(resolved)) {
      for (const pair of resolved.items) {
        const key = keyName(pair.key);
        // Input schemas are JSON Schema, never evaluated; a description may hold any text. x- blocks
        // only hold anchors, checked where they are used.
        if (depth === 0 && (key === "inputs" || key.startsWith("x-"))) continue;
        walk(pair.value, [...path, key], depth + 1);
      }
    } else if (isSeq(resolved)) {
      for (const [i, item] of resolved.items.entries()) walk(item, [...path, i], depth + 1);
    }
  };
  walk(src.doc.contents, [] as JsonPath as (string | number)[], 0);
}

/**
 * Freezes the model's own structure (pipeline, lists, steps, calls, options). Values inside (literal
 * inputs, compiled expressions) are left as they are: freezing them deeply costs more than it guards.
 */
function freezeModel(pipeline: Pipeline): Pipeline {
  for (const step of [...pipeline.steps, ...pipeline.finally]) {
    for (const part of [
      step.call,
      step.timeouts,
      step.retry,
      step.priority,
      step.needs,
      step.dependsOn,
      step.compensate,
      step.computed,
    ]) {
      if (part) Object.freeze(part);
    }
    Object.freeze(step);
  }
  for (const part of [
    pipeline.steps,
    pipeline.finally,
    pipeline.vars,
    pipeline.outputs,
    pipeline.inputs,
    pipeline.secrets,
    pipeline.temporal,
  ]) {
    Object.freeze(part);
  }
  return Object.freeze(pipeline);
}
