/** Pure keyboard helpers for the staff list on the lock screen (no DOM) so they are unit-tested. */

/** The index a navigation key moves to in a list of `count` items, or null for other keys. */
export function moveIndex(key: string, index: number, count: number): number | null {
  if (count === 0) return null;
  switch (key) {
    case 'ArrowDown':
    case 'ArrowRight':
      return (index + 1) % count;
    case 'ArrowUp':
    case 'ArrowLeft':
      return (index - 1 + count) % count;
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}

/**
 * Type-ahead: the next name after `index` (wrapping round) that starts with the typed letter, so
 * pressing the same letter again walks through everyone whose name starts with it.
 */
export function nextByLetter(names: readonly string[], index: number, key: string): number | null {
  if (key.length !== 1 || !/\p{L}|\p{N}/u.test(key)) return null;
  const letter = key.toLocaleLowerCase();
  for (let step = 1; step <= names.length; step++) {
    const candidate = (index + step + names.length) % names.length;
    if (names[candidate]?.trim().toLocaleLowerCase().startsWith(letter)) return candidate;
  }
  return null;
}
