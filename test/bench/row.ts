/** One line of `npm run bench`: a measured value, optionally beside a baseline measured in the same run. */
export interface BenchRow {
  metric: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  note?: string;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** 100000 -> "100k", 1000000 -> "1M". */
export function formatCount(n: number): string {
  return n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`;
}
