/**
 * A map whose entries expire at a time given with each, bounded in size: when full, the oldest entry makes room
 * (a Map keeps insertion order). Emptying it instead would make every key miss at once — for introspection's
 * technical-account answers, one argon2 verification (~20 ms) per account in the same moment. Pure: the caller
 * gives the time.
 */
export class ExpiringCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(private readonly maxEntries: number) {
    if (!(maxEntries >= 1)) throw new Error('ExpiringCache: maxEntries must be at least 1');
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  set(key: string, value: V, until: number): void {
    // A key set again moves to the newest place.
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, until });
  }
}
