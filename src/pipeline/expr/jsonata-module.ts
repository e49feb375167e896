/**
 * The `jsonata` package, loaded with require(): importing this large CommonJS file from ESM makes
 * Node scan all of it for export names, a measurable part of `nxrun check`'s start-up.
 */
import { createRequire } from "node:module";

export const jsonata = createRequire(import.meta.url)("jsonata") as typeof import("jsonata");
