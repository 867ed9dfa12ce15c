/**
 * A seeded generator of error names for fuzz tests (no fast-check here): valid names of 1 to 200
 * printable characters, drawn towards what breaks encodings — spaces, hyphens, dots, colons and
 * `: ` (the wire separator), quotes, backslashes, `${`, apostrophes (the extension quotes function
 * names with them), non-ASCII and astral characters — plus the edge lengths.
 */
import { prng } from './prng';

/** Pieces a name is made of; a piece may be several characters (`: `, an astral character). */
const PIECES = [
  ...'abcXYZ019_$', ' ', '-', '.', ':', ': ', '"', '\\', "'", '${', '}', '/', '%', '#', '\u00a0', 'é', '中', '😀', '\ufeff', 'Error', 'Activity function \'A\' failed: ', ' \\n ',
];

/** `count` valid error names from `seed`, the first few the hand-picked ones every run must pass. */
export function errorNames(seed: number, count: number): string[] {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const fixed = ['Job Failed', 'missing-order-id', 'card-declined', 'a:b', 'x: y', ' ', '"', '\\', '"quoted": name', 'Error: nested', 'a'.repeat(200), '😀'.repeat(200), 'ValidationError'];
  const out = [...fixed];
  while (out.length < count) {
    const target = random() < 0.1 ? 200 : 1 + Math.floor(random() * (random() < 0.8 ? 30 : 200));
    const chars: string[] = [];
    while (chars.length < target) chars.push(...pick(PIECES));
    out.push(chars.slice(0, target).join(''));
  }
  return out.slice(0, count);
}
