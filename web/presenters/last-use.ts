/**
 * Last-use times are collected by introspection and written in batches (LAST_USED_FLUSH_INTERVAL), so a page may
 * be that far behind: it says so, with the interval actually configured.
 */
export function lastUseDelayText(flushIntervalMs: number): string {
  const seconds = Math.max(1, Math.round(flushIntervalMs / 1000));
  if (seconds === 1) return 'mise à jour chaque seconde environ';
  if (seconds < 120) return `mise à jour toutes les ${seconds} secondes environ`;
  const minutes = Math.round(seconds / 60);
  return `mise à jour toutes les ${minutes} minutes environ`;
}
