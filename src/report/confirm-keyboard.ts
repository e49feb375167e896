/**
 * Whether a confirm step can be asked in this run: only the Ink view asks (plain and JSON output never
 * read the keyboard), and only with a keyboard on stdin it can put in raw mode. The view asks this
 * when a confirm step comes; `nxrun run` asks it before the run, to refuse a confirm step that nobody
 * could answer (src/pipeline/before-run-check.ts).
 */
/** True when stdin is a keyboard the view can read a key from. */
export function keyboardOn(stdin: { isTTY?: boolean; setRawMode?: unknown }): boolean {
  return stdin.isTTY === true && typeof stdin.setRawMode === "function";
}

/** True when the run's output can ask a confirm question. */
export function canAskConfirm(
  output: "tui" | "plain" | "json",
  stdin: { isTTY?: boolean; setRawMode?: unknown },
): boolean {
  return output === "tui" && keyboardOn(stdin);
}
