/**
 * The y/n prompt of a confirm step. It is the only part of the view that reads the keyboard, and only
 * while shown: Ink puts stdin in raw mode for it, which stops the terminal from turning Ctrl-C into
 * SIGINT, so a Ctrl-C typed here is handed on as SIGINT to the engine's handler (not answered "no").
 * Any other key is answered with "press y or n", so a key that did nothing is never silent.
 */
import { Box, useInput } from "ink";
import type { Span } from "./columns.js";
import { Line, wrapSpans } from "./line.js";

export interface ConfirmPromptProps {
  stepId: string;
  prompt: string;
  /** A key other than y, n or Esc was pressed: the prompt says which keys answer. */
  nudged: boolean;
  width: number;
  onAnswer(approved: boolean): void;
  onOtherKey(): void;
  /** Ctrl-C while the prompt has the keyboard. */
  onInterrupt(): void;
}

/** `? approve  Deploy to prod? (y/n)`, and ` press y or n` once another key was pressed. */
export function confirmSpans(stepId: string, prompt: string, nudged: boolean): Span[] {
  return [
    { text: "? ", color: "magenta", bold: true },
    { text: stepId, bold: true },
    { text: `  ${prompt} ` },
    { text: "(y/n)", color: "gray" },
    ...(nudged ? [{ text: " press y or n", color: "yellow" }] : []),
  ];
}

/** The prompt, wrapped to the width (a question is read whole). */
export function ConfirmPrompt({
  stepId,
  prompt,
  nudged,
  width,
  onAnswer,
  onOtherKey,
  onInterrupt,
}: ConfirmPromptProps) {
  useInput((input, key) => {
    if (key.ctrl && input === "c") {
      onInterrupt();
      return;
    }
    const answer = input.toLowerCase();
    if (answer === "y") onAnswer(true);
    else if (answer === "n" || key.escape) onAnswer(false);
    else onOtherKey();
  });
  return (
    <Box flexDirection="column">
      {wrapSpans(confirmSpans(stepId, prompt, nudged), width).map((spans, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the wrapped lines' order is their identity
        <Line key={index} spans={spans} width={width} />
      ))}
    </Box>
  );
}
