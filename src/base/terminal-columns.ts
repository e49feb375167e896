/**
 * Terminal columns, the one rule every cut to a width follows (the Ink view's src/report/tui/columns.ts,
 * the diagnostics' code frame): text is cut between grapheme clusters (an emoji with its modifiers, a
 * letter with its accents), each taking the columns its East Asian width gives it, as `string-width`
 * counts them (the library Ink lays text out with, so the view and Ink agree).
 */
import stringWidth from "string-width";

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Columns `text` takes on a terminal. */
export function columns(text: string): number {
  return stringWidth(text);
}

/** The grapheme clusters of `text`, in order: the pieces a cut may keep or leave out. */
export function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (piece) => piece.segment);
}
