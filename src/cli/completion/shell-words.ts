/**
 * Splits the command line up to the cursor into words the way a POSIX shell would (quotes and
 * backslashes removed), so completion sees `-i name=x` and `"my dir/p.yaml"` as the user meant
 * them, whatever word breaks the shell used.
 */
export interface ShellWords {
  /** The words before the one being completed. */
  readonly done: string[];
  /** The word under the cursor, quotes removed; "" after a space. */
  readonly current: string;
}

export function splitShellWords(line: string): ShellWords {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === "\\" && i + 1 < line.length && '"\\$`'.includes(line[i + 1] as string)) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (c === " " || c === "\t" || c === "\n") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  return inWord || quote !== undefined ? { done: words, current: word } : { done: words, current: "" };
}
