/**
 * Re-ranking the first few matches by their loudness and brightness contours aligned in time
 * (dynamic time warping): people imitate a gesture's shape with free timing (a boom held too
 * long, a whoosh rushed), which the fixed-time contours of the features punish. Only the top K
 * of a search are re-scored, so the cost does not grow with the library.
 */

/** DTW cost of two equal-length contours, squared differences, a path within `band` steps of the diagonal. */
export function dtwDistance(a: Float32Array, b: Float32Array, band = 8): number {
  const n = a.length;
  const m = b.length;
  const inf = Number.POSITIVE_INFINITY;
  let prev = new Float64Array(m + 1).fill(inf);
  let cur = new Float64Array(m + 1).fill(inf);
  prev[0] = 0;
  for (let i = 1; i <= n; i++) {
    cur.fill(inf);
    const lo = Math.max(1, Math.floor((i * m) / n) - band);
    const hi = Math.min(m, Math.ceil((i * m) / n) + band);
    for (let j = lo; j <= hi; j++) {
      const d = a[i - 1] - b[j - 1];
      cur[j] = d * d + Math.min(prev[j], cur[j - 1], prev[j - 1]);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[m];
}

export interface Contours {
  envelope: Float32Array;
  brightness: Float32Array;
}

export function contourDistance(q: Contours, item: readonly Contours[], band?: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (const w of item) best = Math.min(best, dtwDistance(q.envelope, w.envelope, band) + dtwDistance(q.brightness, w.brightness, band));
  return best;
}

/**
 * Re-scores the `k` best items of one query's row in place: score - alpha * contour distance,
 * lifted above every item outside the top K so they stay ahead of the rest.
 */
export function rerankRow(row: Float32Array | Float64Array, k: number, alpha: number, distance: (item: number) => number): void {
  if (alpha === 0 || k === 0) return;
  const order = Array.from(row, (_, i) => i).sort((x, y) => row[y] - row[x]).slice(0, k);
  const floor = row[order[order.length - 1]];
  for (const j of order) row[j] = floor + 1 + (row[j] - floor) - alpha * distance(j);
  const lifted = Math.min(...order.map((j) => row[j]));
  if (lifted <= floor) {
    const shift = floor - lifted + 1e-6;
    for (const j of order) row[j] += shift;
  }
}
