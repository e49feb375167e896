/**
 * Reads workflow commands back the way the GitHub Actions runner does (its ActionCommand parser):
 * `::name key=value,key=value::message`, properties split at `,` and at the first `=`, then
 * `%25`, `%0D`, `%0A`, `%3A`, `%2C` decoded. Decoding goes left to right, so an escaped `%` never
 * combines with the characters after it.
 */
export interface ParsedCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
}

const CODES: Record<string, string> = { "%25": "%", "%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": "," };

function decode(text: string, codes: readonly string[]): string {
  return text.replace(/%(25|0D|0A|3A|2C)/g, (match) => (codes.includes(match) ? (CODES[match] as string) : match));
}

/** The command on one line, or undefined when the line is not a workflow command. */
export function parseWorkflowCommand(line: string): ParsedCommand | undefined {
  if (!line.startsWith("::")) return undefined;
  const end = line.indexOf("::", 2);
  if (end < 0) return undefined;
  const head = line.slice(2, end);
  const space = head.indexOf(" ");
  const command = space < 0 ? head : head.slice(0, space);
  const properties: Record<string, string> = {};
  if (space >= 0) {
    for (const pair of head.slice(space + 1).split(",")) {
      const eq = pair.indexOf("=");
      if (eq > 0) properties[pair.slice(0, eq)] = decode(pair.slice(eq + 1), Object.keys(CODES));
    }
  }
  return { command, properties, message: decode(line.slice(end + 2), ["%25", "%0D", "%0A"]) };
}

/** Every workflow command in a text, in order. */
export function parseWorkflowCommands(text: string): ParsedCommand[] {
  return text.split("\n").flatMap((line) => parseWorkflowCommand(line) ?? []);
}
