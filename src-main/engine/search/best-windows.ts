/**
 * The best-scoring windows seen so far during a scan: a bounded min-heap over parallel typed
 * arrays, so a scan of a million windows allocates nothing and rejects almost every window with
 * one comparison against `threshold`.
 */
export class BestWindows {
  readonly capacity: number;
  size = 0;
  private readonly scores: Float64Array;
  private readonly rows: Int32Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.scores = new Float64Array(capacity);
    this.rows = new Int32Array(capacity);
  }

  /** A window must score strictly above this to enter. */
  get threshold(): number {
    return this.size < this.capacity ? -Infinity : this.scores[0];
  }

  push(score: number, row: number): void {
    const scores = this.scores;
    const rows = this.rows;
    if (this.size < this.capacity) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (scores[parent] <= score) break;
        scores[i] = scores[parent];
        rows[i] = rows[parent];
        i = parent;
      }
      scores[i] = score;
      rows[i] = row;
      return;
    }
    if (score <= scores[0]) return;
    const n = this.size;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && scores[right] < scores[left] ? right : left;
      if (scores[child] >= score) break;
      scores[i] = scores[child];
      rows[i] = rows[child];
      i = child;
    }
    scores[i] = score;
    rows[i] = row;
  }

  /** The kept windows, in no particular order. */
  entries(): Array<{ row: number; score: number }> {
    const out: Array<{ row: number; score: number }> = [];
    for (let i = 0; i < this.size; i++) out.push({ row: this.rows[i], score: this.scores[i] });
    return out;
  }
}
