/**
 * Turns YAML nodes into compiled values: `{% %}` strings become JSONata expressions (with their
 * place in the file), everything else stays literal.
 */
import type { Node, Scalar } from "yaml";
import { Codes } from "./diagnostic-codes.js";
import type { DiagnosticList } from "./diagnostic-list.js";
import { compileExpression, type Locate } from "./expr/compile.js";
import type { CompiledValue } from "./expr/compiled.js";
import { looksLikeBrokenTemplate, parseTemplate } from "./expr/template.js";
import { isMap, isScalar, isSeq } from "./yaml-module.js";
import { isStringScalar, type JsonPath, keyName, MERGE_KEY, type YamlFile } from "./yaml-source.js";

/** Compiles the value node at `path` (null when absent). Every scalar it compiles is added to `seen`. */
export function compileAt(src: YamlFile, path: JsonPath, out: DiagnosticList, seen: Set<Node>): CompiledValue {
  const { node, complete } = src.nodeAt(path);
  if (!complete || node === undefined) return { kind: "literal", value: null };
  return compileNode(src, node, out, seen);
}

/** Compiles one node and its children. */
export function compileNode(src: YamlFile, node: Node, out: DiagnosticList, seen: Set<Node>, depth = 0): CompiledValue {
  const resolved = src.resolve(node);
  if (resolved === undefined || depth > 200) return { kind: "literal", value: null };
  if (isScalar(resolved)) {
    seen.add(resolved);
    if (isStringScalar(resolved)) return compileString(src, resolved, out);
    return { kind: "literal", value: resolved.value };
  }
  if (isMap(resolved)) {
    const byKey = new Map<string, CompiledValue>();
    for (const pair of resolved.items) {
      const key = keyName(pair.key);
      if (key === MERGE_KEY) {
        // `<<: *anchor` (or a list of them): the anchor's keys, unless this mapping sets them itself.
        const merged = src.resolve(pair.value);
        for (const source of isSeq(merged) ? merged.items : [merged]) {
          const value = compileNode(src, source as Node, out, seen, depth + 1);
          for (const [k, v] of entriesOf(value)) if (!byKey.has(k)) byKey.set(k, v);
        }
        continue;
      }
      byKey.set(key, compileNode(src, pair.value as Node, out, seen, depth + 1));
    }
    const entries = [...byKey];
    // All-literal objects stay one literal: cheaper to evaluate and to print.
    if (entries.every(([, v]) => v.kind === "literal")) {
      return {
        kind: "literal",
        value: Object.fromEntries(entries.map(([k, v]) => [k, (v as { value: unknown }).value])),
      };
    }
    return { kind: "object", entries };
  }
  if (isSeq(resolved)) {
    const items = resolved.items.map((item) => compileNode(src, item as Node, out, seen, depth + 1));
    if (items.every((v) => v.kind === "literal")) {
      return { kind: "literal", value: items.map((v) => (v as { value: unknown }).value) };
    }
    return { kind: "array", items };
  }
  return { kind: "literal", value: null };
}

/** The keys of a compiled mapping (all-literal or not); none for anything else. */
export function entriesOf(value: CompiledValue): Array<readonly [string, CompiledValue]> {
  if (value.kind === "object") return [...value.entries];
  if (
    value.kind === "literal" &&
    typeof value.value === "object" &&
    value.value !== null &&
    !Array.isArray(value.value)
  ) {
    return Object.entries(value.value).map(([k, v]) => [k, { kind: "literal", value: v }] as const);
  }
  return [];
}

/**
 * Two compiled mappings as one, key by key, `own`'s keys winning (a step's `headers:` over the
 * defaults'); undefined when neither is given.
 */
export function mergedMapping(
  base: CompiledValue | undefined,
  own: CompiledValue | undefined,
): CompiledValue | undefined {
  if (base === undefined || own === undefined) return own ?? base;
  const byKey = new Map(entriesOf(base));
  for (const [key, value] of entriesOf(own)) byKey.set(key, value);
  const entries = [...byKey];
  if (entries.every(([, v]) => v.kind === "literal")) {
    return {
      kind: "literal",
      value: Object.fromEntries(entries.map(([k, v]) => [k, (v as { value: unknown }).value])),
    };
  }
  return { kind: "object", entries };
}

function compileString(src: YamlFile, node: Scalar<string>, out: DiagnosticList): CompiledValue {
  const text = node.value;
  const template = parseTemplate(text);
  if (!template) {
    if (looksLikeBrokenTemplate(text)) {
      out.error(
        Codes.exprNotHere,
        "this string holds {% but is not one expression: an expression must be the whole value",
        src.positionOf(node),
        `to build a string, concatenate inside one expression: "{% 'text-' & $inputs.name %}"`,
      );
    }
    return { kind: "literal", value: text };
  }
  const locate = locateInScalar(src, node, template.offset);
  const compiled = compileExpression(template.source, locate);
  if (!compiled.ok) {
    out.error(
      Codes.exprSyntax,
      `expression does not compile: ${compiled.problem.message}`,
      compiled.problem.position,
      "JSONata syntax: https://docs.jsonata.org; try it with `nxrun eval`",
    );
    return { kind: "literal", value: text };
  }
  return compiled.value;
}

/**
 * Maps an offset in the expression to the file. The scalar's value and its source text differ by
 * quotes, escapes, indentation and folding; each line of the value is found in the source text, and
 * where that fails (escapes, folded lines) the position falls back to the scalar's start.
 */
export function locateInScalar(src: YamlFile, node: Scalar<string>, startInValue: number): Locate {
  const value = node.value;
  const [start = 0, end = start] = node.range ?? [];
  let lineFileStarts: Array<number | undefined> | undefined;
  const valueLines = value.split("\n");
  const valueLineStarts: number[] = [];
  let acc = 0;
  for (const line of valueLines) {
    valueLineStarts.push(acc);
    acc += line.length + 1;
  }
  const mapLines = (): Array<number | undefined> => {
    const raw = src.text.slice(start, end);
    let cursor = 0;
    return valueLines.map((line) => {
      const found = line === "" ? -1 : raw.indexOf(line, cursor);
      if (found < 0) return undefined;
      cursor = found + line.length;
      return start + found;
    });
  };
  return (offset: number) => {
    const valueOffset = startInValue + offset;
    let lineIndex = valueLineStarts.length - 1;
    while (lineIndex > 0 && valueLineStarts[lineIndex]! > valueOffset) lineIndex--;
    lineFileStarts ??= mapLines();
    const fileStart = lineFileStarts[lineIndex];
    if (fileStart === undefined) return src.positionAt(start);
    return src.positionAt(fileStart + (valueOffset - valueLineStarts[lineIndex]!));
  };
}
