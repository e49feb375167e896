/**
 * A bug's stack, shown at the source lines: bin/nxrun.js runs the one-file build of the CLI
 * (scripts/bundle-cli.mjs), whose frames would otherwise all point into dist/src/bundle/nxrun.cjs.
 * Each frame in a file that has a `.map` beside it is rewritten from that source map (which chains
 * tsc's, so it names src/*.ts); every other frame is kept as it is. Only the exit-70 path pays for
 * reading the map; a map that is missing or unreadable leaves the stack unchanged.
 */
import { existsSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { dirname, resolve } from "node:path";

/** `at f (/path/file.cjs:12:34)` or `at /path/file.cjs:12:34`. */
const FRAME = /^(\s*at (?:.*? \()?)(\/[^():]+\.cjs):(\d+):(\d+)(\)?)$/;

export function mappedStack(stack: string): string {
  const maps = new Map<string, SourceMap | undefined>();
  const mapOf = (file: string): SourceMap | undefined => {
    if (!maps.has(file)) {
      let map: SourceMap | undefined;
      try {
        if (existsSync(`${file}.map`)) map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, "utf8")));
      } catch {
        map = undefined;
      }
      maps.set(file, map);
    }
    return maps.get(file);
  };
  return stack
    .split("\n")
    .map((line) => {
      const frame = FRAME.exec(line);
      if (!frame) return line;
      const [, head = "", file = "", row = "", column = "", tail = ""] = frame;
      const entry = mapOf(file)?.findEntry(Number(row) - 1, Number(column) - 1) as
        | { originalSource?: string; originalLine?: number; originalColumn?: number }
        | undefined;
      if (entry?.originalSource === undefined || entry.originalLine === undefined) return line;
      const source = entry.originalSource.startsWith("file://")
        ? new URL(entry.originalSource).pathname
        : resolve(dirname(file), entry.originalSource);
      return `${head}${source}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}${tail}`;
    })
    .join("\n");
}
