/**
 * A pipeline file parsed with source positions: the `yaml` document, its plain JavaScript value, and
 * lookups from a JSON path (as ajv and the model builder see it) back to the node's line and column.
 */
import type { Document, LineCounter as LineCounterType, Node, Pair, Scalar } from "yaml";
import type { SourcePosition } from "../base/source-position.js";
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from "./yaml-module.js";

export type JsonPath = ReadonlyArray<string | number>;

/** A parsed YAML file and the position lookups diagnostics need. */
export class YamlFile {
  readonly file: string;
  readonly text: string;
  readonly doc: Document.Parsed;
  private readonly lines: LineCounterType;

  constructor(file: string, text: string) {
    this.file = file;
    this.text = text;
    this.lines = new LineCounter();
    // uniqueKeys makes a repeated key an error instead of the last one silently winning; merge
    // allows `<<: *anchor` to share settings.
    this.doc = parseDocument(text, { lineCounter: this.lines, uniqueKeys: true, prettyErrors: false, merge: true });
  }

  /** Line and column (1-based) of a character offset. */
  positionAt(offset: number): SourcePosition {
    const { line, col } = this.lines.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { file: this.file, line, column: col };
  }

  /** Position of a node's first character (the file's start when there is no node). */
  positionOf(node: Node | null | undefined): SourcePosition {
    return this.positionAt(node?.range?.[0] ?? 0);
  }

  /** Follows aliases so `*anchor` is looked through like the value it names. */
  resolve(node: unknown): Node | undefined {
    let current = node;
    for (let hops = 0; isAlias(current) && hops < 100; hops++) current = current.resolve(this.doc);
    return (current ?? undefined) as Node | undefined;
  }

  /** The pair of a mapping whose key is `key`, looking through `<<: *anchor` merges. */
  pairOf(map: unknown, key: string, depth = 0): Pair<Node, Node> | undefined {
    const resolved = this.resolve(map);
    if (!isMap(resolved) || depth > 20) return undefined;
    const merges: unknown[] = [];
    for (const item of resolved.items) {
      const name = keyName(item.key);
      if (name === key) return item as Pair<Node, Node>;
      if (name === MERGE_KEY) merges.push(item.value);
    }
    for (const merge of merges) {
      const source = this.resolve(merge);
      const sources = isSeq(source) ? source.items : [source];
      for (const s of sources) {
        const found = this.pairOf(s, key, depth + 1);
        if (found) return found;
      }
    }
    return undefined;
  }

  /** The value node at a JSON path, or the deepest node found on the way when the path breaks off. */
  nodeAt(path: JsonPath): { node: Node | undefined; complete: boolean } {
    let node: Node | undefined = this.resolve(this.doc.contents);
    for (const segment of path) {
      let next: Node | undefined;
      if (isSeq(node) && typeof segment === "number") next = this.resolve(node.items[segment]);
      else if (isMap(node)) next = this.resolve(this.pairOf(node, String(segment))?.value);
      if (next === undefined) return { node, complete: false };
      node = next;
    }
    return { node, complete: true };
  }

  /** The key node of the last path segment (for "unknown key" and "duplicate" diagnostics). */
  keyAt(path: JsonPath): Node | undefined {
    if (path.length === 0) return undefined;
    const parent = this.nodeAt(path.slice(0, -1));
    if (!parent.complete) return undefined;
    return this.pairOf(parent.node, String(path[path.length - 1]))?.key ?? undefined;
  }

  /** Position of the key at a path when it is a mapping key, else of the value there. */
  keyOrValuePosition(path: JsonPath): SourcePosition {
    const key = this.keyAt(path);
    if (key) return this.positionOf(key);
    return this.positionOf(this.nodeAt(path).node);
  }

  /** Position of the value at a path (or of the nearest existing parent). */
  valuePosition(path: JsonPath): SourcePosition {
    return this.positionOf(this.nodeAt(path).node);
  }
}

/** True for a scalar node (after aliases) holding a string. */
export function isStringScalar(node: unknown): node is Scalar<string> {
  return isScalar(node) && typeof node.value === "string";
}

/** The YAML 1.1 merge key, `<<: *anchor`. */
export const MERGE_KEY = "<<";

/** A mapping key as text. */
export function keyName(key: unknown): string {
  if (isScalar(key)) return typeof key.value === "symbol" ? (key.value.description ?? MERGE_KEY) : String(key.value);
  return String(key);
}
