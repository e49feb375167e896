/**
 * The y/n prompt of a confirm step. It is the only part of the view that reads the keyboard, and only
 * while shown: Ink puts stdin in raw mode for it, which stops the terminal from turning Ctrl-C into
 * SIGINT, so a Ctrl-C typed here is handed on as SIGINT to the engine's handler (not answered "no").
 */
import { Text, useInput } from "ink";

export interface ConfirmPromptProps {
  stepId: string;
  prompt: string;
  onAnswer(approved: boolean): void;
  /** Ctrl-C while the prompt has the keyboard. */
  onInterrupt(): void;
}

/** `? approve  Deploy to prod? (y/n)`. */
export function ConfirmPrompt({ stepId, prompt, onAnswer, onInterrupt }: ConfirmPromptProps) {
  useInput((input, key) => {
    if (key.ctrl && input === "c") {
      onInterrupt();
      return;
    }
    const answer = input.toLowerCase();
    if (answer === "y") onAnswer(true);
    else if (answer === "n" || key.escape) onAnswer(false);
  });
  return (
    <Text wrap="wrap">
      <Text color="magenta" bold>
        ?{" "}
      </Text>
      <Text bold>{stepId}</Text>
      {`  ${prompt} `}
      <Text color="gray">(y/n)</Text>
    </Text>
  );
}
