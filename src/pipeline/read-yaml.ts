/**
 * Reading a YAML file nxrun is given (a pipeline, a test file) up to its plain value, the one way for
 * both: the file's text (a missing file is one diagnostic), a nesting bound before parsing, YAML
 * syntax errors at their places, an empty file or one that is not a mapping said in the kind's own
 * words, anchors and aliases bounded, and a value that contains itself or is too deep refused.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Node, YAMLError } from "yaml";
import { lineColumnAt, MAX_NESTING, shapeProblem, tooDeepYamlOffset } from "../base/nesting.js";
import type { Diagnostic } from "./diagnostic.js";
import { Codes } from "./diagnostic-codes.js";
import type { DiagnosticList } from "./diagnostic-list.js";
import { isMap, isScalar } from "./yaml-module.js";
import { YamlFile } from "./yaml-source.js";

/** What the file is, in the words its diagnostics use. */
export interface YamlKind {
  /** The hint for an empty file. */
  readonly emptyHint: string;
  /** The message and hint for a file that is not a mapping. */
  readonly notAMapping: string;
  readonly notAMappingHint: string;
  /** The hint for a file nested too deep. */
  readonly tooDeepHint: string;
}

/** The text of the file at `path`, or the one diagnostic saying why it cannot be read. */
export async function readSourceFile(
  path: string,
): Promise<{ ok: true; file: string; text: string } | { ok: false; diagnostic: Diagnostic }> {
  const file = resolve(path);
  try {
    return { ok: true, file, text: await readFile(file, "utf8") };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
    return {
      ok: false,
      diagnostic: {
        code: Codes.fileUnreadable,
        severity: "error",
        message: `cannot read ${path}: ${reason}`,
        hint: "check the path",
        file,
        line: 0,
        column: 0,
      },
    };
  }
}

/** The file parsed to a mapping and its plain value; undefined when it is not one (said in `out`). */
export function parseYamlMapping(
  text: string,
  file: string,
  kind: YamlKind,
  out: DiagnosticList,
): { src: YamlFile; contents: Node; root: unknown } | undefined {
  const deep = tooDeepYamlOffset(text);
  if (deep !== undefined) {
    out.error(
      Codes.tooDeep,
      `the file is nested deeper than ${MAX_NESTING} levels`,
      { file, ...lineColumnAt(text, deep) },
      kind.tooDeepHint,
    );
    return undefined;
  }
  const src = new YamlFile(file, text);
  if (src.doc.errors.length > 0) {
    for (const error of src.doc.errors) reportYamlError(src, error, out);
    return undefined;
  }
  const contents = src.doc.contents;
  if (contents === null || (isScalar(contents) && (contents.value === null || contents.value === ""))) {
    out.error(Codes.notAMapping, "the file is empty", src.positionAt(0), kind.emptyHint);
    return undefined;
  }
  if (!isMap(src.resolve(contents))) {
    out.error(Codes.notAMapping, kind.notAMapping, src.positionOf(contents), kind.notAMappingHint);
    return undefined;
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
    return undefined;
  }
  const shape = shapeProblem(root);
  if (shape) {
    out.error(
      Codes.tooDeep,
      shape.kind === "cycle"
        ? "this value contains itself (an alias inside its own anchor), which no payload can hold"
        : `this value is nested deeper than ${MAX_NESTING} levels`,
      src.keyOrValuePosition(shape.path),
      shape.kind === "cycle" ? "copy the part you need instead of aliasing the anchor inside itself" : "flatten it",
    );
    return undefined;
  }
  return { src, contents, root };
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
