/** One line of `npm run bench`: a measured value, optionally beside a baseline measured in the same run. */
export interface BenchRow {
  metric: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  note?: string;
}
