/**
 * Each sound's first row in the index. Sound ids are the store's row ids, dense from 1, so they
 * index a typed array directly: a JS Map of a million entries rehashes all of them in one go as
 * it grows (a stall of a large fraction of a second on the engine's thread), and costs ~5x the
 * memory. Ids beyond DENSE_LIMIT (never seen from the store in practice) go to a Map.
 */
const DENSE_LIMIT = 1 << 26;

export class SoundHeads {
  private dense = new Int32Array(0);
  private readonly sparse = new Map<number, number>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(id: number): number | undefined {
    if (id >= DENSE_LIMIT) return this.sparse.get(id);
    const row = id < this.dense.length ? this.dense[id] : -1;
    return row < 0 ? undefined : row;
  }

  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  set(id: number, row: number): void {
    if (id >= DENSE_LIMIT) {
      if (!this.sparse.has(id)) this.count++;
      this.sparse.set(id, row);
      return;
    }
    if (id >= this.dense.length) {
      // Geometric growth: a copy of a few MB a handful of times over a million sounds.
      const grown = new Int32Array(Math.min(DENSE_LIMIT, Math.max(id + 1, this.dense.length * 2, 1024))).fill(-1);
      grown.set(this.dense);
      this.dense = grown;
    }
    if (this.dense[id] < 0) this.count++;
    this.dense[id] = row;
  }

  delete(id: number): void {
    if (id >= DENSE_LIMIT) {
      if (this.sparse.delete(id)) this.count--;
      return;
    }
    if (id < this.dense.length && this.dense[id] >= 0) {
      this.dense[id] = -1;
      this.count--;
    }
  }

  clear(): void {
    this.dense = new Int32Array(0);
    this.sparse.clear();
    this.count = 0;
  }
}
