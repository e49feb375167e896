/**
 * Text a worker could send to take over the terminal it is printed on: an OSC 52 clipboard write,
 * a clear screen, a carriage return that lets later text overwrite the line, and the bidi overrides
 * and isolates that show text in another order than it is in. The test activity `hostile` sends it
 * (test/workers/activities.ts); test/e2e/terminal-injection.test.ts looks for it in every output.
 */
export const HOSTILE = "clip\x1b]52;c;aGk=\x07 wipe\x1b[2J safe\rEVIL \u202eexe.txt\u202c \u2066a\u2067b\u2068c\u2069";

/** The same text as the terminal sanitizer (src/base/terminal-text.ts) shows it. */
export const HOSTILE_SHOWN =
  "clip\\u001b]52;c;aGk=\\u0007 wipe\\u001b[2J safe\\rEVIL \\u202eexe.txt\\u202c \\u2066a\\u2067b\\u2068c\\u2069";

/** The raw characters none of which may reach a terminal. */
export const HOSTILE_CHARACTERS = ["\x1b", "\x07", "\r", "\u202e", "\u202c", "\u2066", "\u2067", "\u2068", "\u2069"];
