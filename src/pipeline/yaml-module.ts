/**
 * The `yaml` package, loaded with require(): importing a CommonJS package from ESM makes Node scan
 * its source for export names, a measurable part of `nxrun check`'s start-up.
 */
import { createRequire } from "node:module";

const yaml = createRequire(import.meta.url)("yaml") as typeof import("yaml");

export const { isAlias, isMap, isScalar, isSeq, LineCounter, parse, parseDocument } = yaml;
