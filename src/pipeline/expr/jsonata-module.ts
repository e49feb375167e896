/**
 * The `jsonata` package, loaded with require(): importing this large CommonJS file from ESM makes
 * Node scan all of it for export names, a measurable part of `nxrun check`'s start-up. Loaded on the
 * first expression compiled, so a pipeline without any (and every command that reads none) does not
 * pay for it: about 10 ms of CPU at start-up on Node 20 (bench/findings.md, "B8 start-up").
 */
import { createRequire } from "node:module";

type Jsonata = typeof import("jsonata");
let loaded: Jsonata | undefined;

export function jsonata(...args: Parameters<Jsonata>): ReturnType<Jsonata> {
  loaded ??= createRequire(import.meta.url)("jsonata") as Jsonata;
  return loaded(...args);
}
