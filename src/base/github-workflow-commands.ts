/**
 * GitHub Actions workflow commands (`::error file=a.yaml,line=3::message`), which the runner turns
 * into annotations on the pull request's diff. Escaping is exactly GitHub's: in the message `%`, CR
 * and LF; in property values also `:` and `,` (the runner's own toolkit, @actions/core's
 * `escapeData` / `escapeProperty`, does the same). Used by `nxrun check --format github` and by a
 * run's failed steps.
 */
import { isAbsolute, relative, resolve, sep } from "node:path";

export type AnnotationLevel = "error" | "warning" | "notice";

/** The optional properties GitHub reads from an annotation command, 1-based. */
export interface AnnotationProperties {
  file?: string;
  line?: number;
  col?: number;
  endLine?: number;
  endColumn?: number;
  title?: string;
}

/** `true` when running as a GitHub Actions step (the runner sets GITHUB_ACTIONS=true). */
export function inGithubActions(env: Readonly<Record<string, string | undefined>>): boolean {
  return env.GITHUB_ACTIONS === "true";
}

/** Escapes a command's message (the text after `::`). */
export function escapeData(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** Escapes a property value (`file=`, `title=`, ...). */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

// The order GitHub's documentation lists them in; properties without a value are left out.
const ORDER = ["file", "line", "col", "endLine", "endColumn", "title"] as const;

/** One annotation command line, without the trailing newline. */
export function annotation(level: AnnotationLevel, message: string, properties: AnnotationProperties = {}): string {
  const props = ORDER.filter((key) => properties[key] !== undefined && properties[key] !== "")
    .map((key) => `${key}=${escapeProperty(String(properties[key]))}`)
    .join(",");
  return `::${level}${props === "" ? "" : ` ${props}`}::${escapeData(message)}`;
}

/**
 * The `file=` GitHub expects: relative to the repository's checkout (GITHUB_WORKSPACE, where steps
 * run by default), with `/` separators; a file outside it keeps the path it was given.
 */
export function annotationPath(
  file: string,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string = process.cwd(),
): string {
  const root = resolve(env.GITHUB_WORKSPACE || cwd);
  const rel = relative(root, resolve(cwd, file));
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) return file;
  return rel.split(sep).join("/");
}
