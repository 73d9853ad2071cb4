/**
 * The ARIA tabs pattern's keys: Left and Right move to the neighbouring tab (wrapping round), Home
 * and End to the first and last. Returns the tab to select, or undefined for any other key.
 */
export function tabForKey<T>(key: string, tabs: readonly T[], current: T): T | undefined {
  const index = tabs.indexOf(current);
  if (key === 'ArrowRight') return tabs[(index + 1) % tabs.length];
  if (key === 'ArrowLeft') return tabs[(index - 1 + tabs.length) % tabs.length];
  if (key === 'Home') return tabs[0];
  if (key === 'End') return tabs[tabs.length - 1];
  return undefined;
}
