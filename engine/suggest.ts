import { distance } from 'fastest-levenshtein';

/** The candidate closest to a misspelt word, if one is close enough to be what was meant. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  // Short words are too easily close to anything: no guess under three letters.
  const limit = word.length <= 2 ? 0 : word.length === 3 ? 1 : Math.max(2, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/** `; did you mean "x"?` or nothing. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = closest(word, candidates);
  return match === undefined ? '' : `; did you mean "${match}"?`;
}

/** `"a", "b" and "c"` for messages. */
export function quoteList(items: readonly string[]): string {
  if (items.length === 0) return '(none)';
  const quoted = items.map((i) => `"${i}"`);
  return quoted.length === 1 ? quoted[0]! : `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)}`;
}
