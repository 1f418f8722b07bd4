/** What the benchmarks share: option parsing and the statistics they report. */

export type DbKind = 'sqlite' | 'postgres';

/** A command-line option that must be a positive integer. */
export function positiveInt(name: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
}

/** `--db sqlite,postgres`. */
export function databases(v: string | undefined): DbKind[] {
  const dbs = String(v)
    .split(',')
    .map((s) => s.trim());
  for (const d of dbs) {
    if (d !== 'sqlite' && d !== 'postgres') throw new Error(`--db: unknown database "${d}"`);
  }
  return dbs as DbKind[];
}

/** `--pg-transport`: how Parley reaches the embedded PostgreSQL. */
export function pgTransport(v: string | undefined): 'unix' | 'tcp' {
  if (v !== 'unix' && v !== 'tcp') throw new Error('--pg-transport must be unix or tcp');
  return v;
}

/** The p-th percentile of an ascending list (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, idx)];
}

export const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
