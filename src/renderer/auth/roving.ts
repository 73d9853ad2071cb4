/** Pure keyboard helpers for the staff list on the lock screen (no DOM) so they are unit-tested. */

/**
 * The index a navigation key moves to in a grid of `count` items laid out in rows of `columns`
 * (1 for a plain list), or null for other keys. Left and Right walk the reading order, wrapping
 * round; Up and Down move a row, stopping at the edges (Down from a short last row's gap reaches
 * the last item).
 */
export function moveIndex(key: string, index: number, count: number, columns = 1): number | null {
  if (count === 0) return null;
  const step = Math.max(1, Math.floor(columns));
  switch (key) {
    case 'ArrowRight':
      return (index + 1) % count;
    case 'ArrowLeft':
      return (index - 1 + count) % count;
    case 'ArrowDown': {
      if (index + step < count) return index + step;
      const lastRowStart = Math.floor((count - 1) / step) * step;
      return index < lastRowStart ? count - 1 : index;
    }
    case 'ArrowUp':
      return index - step >= 0 ? index - step : index;
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
