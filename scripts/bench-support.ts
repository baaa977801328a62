/**
 * What the benchmarks share: summary statistics and the one machine-readable last line.
 * Benchmarks print figures and assert nothing; on a shared machine compare ratios taken in
 * the same run, not absolute figures across runs.
 */

export interface Spread {
  min: number;
  median: number;
  max: number;
}

export function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0] ?? Number.NaN, median: percentile(sorted, 50), max: sorted[sorted.length - 1] ?? Number.NaN };
}

/** Nearest-rank percentile of already sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function sortedCopy(values: number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

export function fixed(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

export function showSpread(s: Spread, digits = 2, unit = ''): string {
  return `min ${fixed(s.min, digits)}${unit}  median ${fixed(s.median, digits)}${unit}  max ${fixed(s.max, digits)}${unit}`;
}

/** The last line of every benchmark: `bench: NAME key=value ...`. */
export function benchLine(name: string, fields: Record<string, number | string>): void {
  const show = (v: number | string) => (typeof v === 'string' ? v : Number.isInteger(v) ? String(v) : fixed(v, 3));
  const parts = Object.entries(fields).map(([k, v]) => `${k}=${show(v)}`);
  console.log(`bench: ${name} ${parts.join(' ')}`);
}
