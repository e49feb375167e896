/** `1 execution`, `2 executions`: a count and its noun, the noun with an s unless the count is one. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
