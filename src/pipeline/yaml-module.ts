/**
 * The `yaml` package, loaded with require(): importing a CommonJS package from ESM makes Node scan
 * its source for export names, a measurable part of `nxrun check`'s start-up. From the build's
 * one-file bundle of it when there is one (dist/src/vendor/yaml.cjs, made by
 * scripts/bundle-vendor.mjs: why is written there); tests running from src/ load the package itself.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const bundled = fileURLToPath(new URL("../vendor/yaml.cjs", import.meta.url));
const yaml = require(existsSync(bundled) ? bundled : "yaml") as typeof import("yaml");

export const { isAlias, isMap, isScalar, isSeq, LineCounter, parse, parseDocument } = yaml;
