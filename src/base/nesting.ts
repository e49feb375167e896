/**
 * How deep a pipeline file, an inputs file, the values in them and an expression may nest. The YAML
 * parser, the schema validator, the model builder and JSONata's parser all recurse once per level,
 * so a file nested 20,000 levels deep would end in "Maximum call stack size exceeded" somewhere
 * inside them; nxrun says "nested deeper than N levels" at the place instead, before any of them
 * runs. Also here: a value that contains itself (an alias inside its own anchor, `a: &x {b: *x}`),
 * which no JSON payload can carry.
 */

/** The deepest nesting a pipeline file, an inputs file or a value in them may have. */
export const MAX_NESTING = 200;

/**
 * The offset where YAML text first nests deeper than `max` levels, or undefined. Counts block
 * levels by indentation (a `- ` item marker is a level too) and flow levels by `[` and `{` outside
 * quotes and comments. An estimate of the parser's depth, never below it by more than a level per line.
 */
export function tooDeepYamlOffset(text: string, max = MAX_NESTING): number | undefined {
  const indents: number[] = [];
  let flow = 0;
  let blockScalarIndent: number | undefined;
  let offset = 0;
  for (const line of text.split("\n")) {
    const start = offset;
    offset += line.length + 1;
    const indent = line.length - line.trimStart().length;
    const content = line.trim();
    if (blockScalarIndent !== undefined) {
      if (content === "" || indent > blockScalarIndent) continue;
      blockScalarIndent = undefined;
    }
    if (content === "" || content.startsWith("#")) continue;
    if (flow === 0) {
      while (indents.length > 0 && (indents.at(-1) ?? 0) >= indent) indents.pop();
      indents.push(indent);
      // `- - - a` opens a level per marker.
      for (let at = indent; line.startsWith("- ", at) || line.slice(at) === "-"; at += 2) indents.push(at + 1);
    }
    let quote: string | undefined;
    for (let i = indent; i < line.length; i++) {
      const char = line[i];
      if (quote !== undefined) {
        if (char === "\\" && quote === '"') i++;
        else if (char === quote) quote = undefined;
        continue;
      }
      if (char === '"' || char === "'") quote = char;
      else if (char === "#" && (i === 0 || line[i - 1] === " ")) break;
      else if (char === "[" || char === "{") {
        flow++;
        if (indents.length + flow > max) return start + i;
      } else if (char === "]" || char === "}") flow = Math.max(0, flow - 1);
    }
    if (indents.length + flow > max) return start + indent;
    if (flow === 0 && /[|>][-+0-9]*\s*(#.*)?$/.test(content) && /(^|[:-]\s)[|>]/.test(content)) {
      blockScalarIndent = indent;
    }
  }
  return undefined;
}

/** Where a value nests too deeply or contains itself: the path to it, and which. */
export interface ShapeProblem {
  readonly kind: "depth" | "cycle";
  readonly path: ReadonlyArray<string | number>;
}

/**
 * The first place where plain data nests deeper than `max` levels or contains itself, or undefined.
 * A value shared by two places (an alias used twice) is fine. Walks with its own stack: the data
 * may be deeper than the call stack.
 */
export function shapeProblem(value: unknown, max = MAX_NESTING): ShapeProblem | undefined {
  type Frame = {
    value: object;
    path: Array<string | number>;
    entries: Array<[string | number, unknown]>;
    next: number;
  };
  const open = new Set<object>();
  const stack: Frame[] = [];
  const enter = (child: object, path: Array<string | number>): ShapeProblem | undefined => {
    if (open.has(child)) return { kind: "cycle", path };
    if (stack.length >= max) return { kind: "depth", path };
    open.add(child);
    const entries: Array<[string | number, unknown]> = Array.isArray(child)
      ? child.map((item, index) => [index, item])
      : Object.entries(child);
    stack.push({ value: child, path, entries, next: 0 });
    return undefined;
  };
  if (value === null || typeof value !== "object") return undefined;
  const first = enter(value, []);
  if (first) return first;
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    if (frame.next >= frame.entries.length) {
      open.delete(frame.value);
      stack.pop();
      continue;
    }
    const [key, child] = frame.entries[frame.next++] as [string | number, unknown];
    if (child === null || typeof child !== "object") continue;
    const problem = enter(child, [...frame.path, key]);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * The offset where a JSONata expression first nests deeper than `max` brackets (`(`, `[`, `{`)
 * outside its strings, or undefined.
 */
export function tooDeepExpressionOffset(source: string, max = MAX_NESTING): number | undefined {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (quote !== undefined) {
      if (char === "\\" && quote !== "`") i++;
      else if (char === quote) quote = undefined;
      continue;
    }
    if (char === '"' || char === "'" || char === "`") quote = char;
    else if (char === "(" || char === "[" || char === "{") {
      if (++depth > max) return i;
    } else if (char === ")" || char === "]" || char === "}") depth = Math.max(0, depth - 1);
  }
  return undefined;
}

/** 1-based line and column of an offset in a text. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let at = text.indexOf("\n"); at !== -1 && at < offset; at = text.indexOf("\n", at + 1)) {
    line++;
    lineStart = at + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
