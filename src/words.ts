// Words for messages, shared by every layer that writes one.

/** "1 row", "2 rows". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
