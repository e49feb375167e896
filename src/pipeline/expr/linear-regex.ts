/**
 * JSONata's regular expressions on RE2JS (the `re2js` package, a pure-JavaScript port of RE2), given
 * to JSONata as its `RegexEngine`. V8's own engine backtracks: `/^(a+)+$/` on 30 a's and a `!` runs
 * for minutes on the main thread, where neither the expression's time bound (checked between
 * JSONata's evaluation steps, never inside one regex match) nor Ctrl-C can stop it. RE2 matches in
 * time linear in the text. Chosen over the `re2` package (RE2 itself, in C++) because that is a
 * native addon that must be built or downloaded for each platform; re2js installs as plain
 * JavaScript. RE2 has no backreferences and no lookaround: `check` reports such a regex at its place
 * (unsupportedRegex), before anything runs.
 */
import { createRequire } from "node:module";

type Re2js = typeof import("re2js");
type Compiled = InstanceType<Re2js["RE2JS"]>;
let loaded: Re2js | undefined;
function re2js(): Re2js {
  loaded ??= createRequire(import.meta.url)("re2js") as Re2js;
  return loaded;
}

// JSONata makes a new engine object each time a regex literal is evaluated (in a forEach, once per
// item); compiling a pattern once serves them all.
const compiledPatterns = new Map<string, Compiled>();

/** The RE2 program for a JSONata regex literal (JSONata passes it as a RegExp); throws when RE2 cannot express it. */
function compile(regex: RegExp): Compiled {
  const key = `${regex.flags}/${regex.source}`;
  let compiled = compiledPatterns.get(key);
  if (!compiled) {
    const { RE2JS } = re2js();
    const flags =
      (regex.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0) |
      (regex.multiline ? RE2JS.MULTILINE : 0) |
      (regex.dotAll ? RE2JS.DOTALL : 0);
    compiled = RE2JS.compile(RE2JS.translateRegExp(regex.source), flags);
    if (compiledPatterns.size >= 1_000) compiledPatterns.clear();
    compiledPatterns.set(key, compiled);
  }
  return compiled;
}

/**
 * What JSONata asks of a RegexEngine: `new Engine(regExp)`, `lastIndex`, and `exec(text)` giving
 * the match, its groups and `index` (UTF-16 offsets, as RegExp gives them), or null.
 */
export class LinearRegex {
  lastIndex = 0;
  readonly #program: Compiled;

  constructor(regex: RegExp) {
    this.#program = compile(regex);
  }

  exec(text: string): RegExpExecArray | null {
    const matcher = this.#program.matcher(text);
    if (this.lastIndex > text.length || !matcher.find(this.lastIndex)) {
      this.lastIndex = 0;
      return null;
    }
    const groups: (string | undefined)[] = [];
    for (let i = 0; i <= matcher.groupCount(); i++) groups.push(matcher.group(i) ?? undefined);
    const result = Object.assign(groups, { index: matcher.start(), input: text }) as unknown as RegExpExecArray;
    this.lastIndex = matcher.end();
    return result;
  }
}

/** A regex literal of an expression that RE2 cannot run. */
export interface UnsupportedRegex {
  /** JSONata's offset just past the literal (its flags included). */
  readonly end: number;
  /** The literal as written, `/…/flags`. */
  readonly literal: string;
  readonly reason: string;
}

/**
 * The first regex literal of a parsed expression that RE2 cannot express (a backreference,
 * lookahead or lookbehind, a possessive quantifier), or undefined when all can run. Walks the AST
 * with an explicit stack: an expression may nest deeper than the call stack.
 */
export function unsupportedRegex(ast: unknown): UnsupportedRegex | undefined {
  const pending: unknown[] = [ast];
  const seen = new Set<object>();
  while (pending.length > 0) {
    const node = pending.pop();
    if (node === null || typeof node !== "object" || node instanceof RegExp || seen.has(node)) continue;
    seen.add(node);
    const { type, value, position } = node as { type?: unknown; value?: unknown; position?: unknown };
    if (type === "regex" && value instanceof RegExp) {
      try {
        compile(value);
      } catch (error) {
        const flags = value.flags.replace("g", "");
        return {
          end: typeof position === "number" ? position : 0,
          literal: `/${value.source}/${flags}`,
          reason: whatRe2Lacks(value.source) ?? (error instanceof Error ? error.message : String(error)),
        };
      }
      continue;
    }
    for (const child of Object.values(node)) if (child !== null && typeof child === "object") pending.push(child);
  }
  return undefined;
}

/** The construct RE2 lacks, named as a person knows it (RE2's own message calls a lookbehind a bad group name). */
function whatRe2Lacks(source: string): string | undefined {
  if (/\(\?<[=!]/.test(source)) return "it uses a lookbehind (?<=…) or (?<!…)";
  if (/\(\?[=!]/.test(source)) return "it uses a lookahead (?=…) or (?!…)";
  if (/\\[1-9]|\\k</.test(source)) return "it uses a backreference";
  return undefined;
}
