/** What the benchmarks share: option parsing, the statistics they report, and the report. */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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
  return sorted[Math.max(0, idx)]!; // 0 <= idx < sorted.length
}

export const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

export interface Target {
  met: boolean;
  value: unknown;
  target: unknown;
}

/**
 * Writes a run's report the way every benchmark does: the JSON (with the machine and its load
 * before and after, so a figure can be read beside the VM's speed of the moment) to
 * bench/results and to stdout or `json`, then the table and each target's verdict to stderr.
 */
export function publishReport(args: {
  benchmark: string;
  startedAt: Date;
  loadBefore: number[];
  /** Machine facts a benchmark adds (the auth bench: libuv's thread pool). */
  machine?: Record<string, unknown>;
  options: { json?: string | null };
  results: unknown[];
  targets: Record<string, Target>;
  table: string;
}): void {
  const report = {
    benchmark: args.benchmark,
    date: args.startedAt.toISOString(),
    node: process.version,
    machine: {
      hostname: os.hostname(),
      platform: `${os.platform()} ${os.release()}`,
      cpu_model: os.cpus()[0]?.model ?? 'unknown',
      cpus: os.availableParallelism(),
      ...args.machine,
      memory_gb: round(os.totalmem() / 1024 ** 3, 1),
      loadavg_before: args.loadBefore.map((n) => round(n)),
      loadavg_after: os.loadavg().map((n) => round(n)),
    },
    options: args.options,
    results: args.results,
    targets: args.targets,
  };
  const json = JSON.stringify(report, null, 2);
  const resultsDir = path.join(import.meta.dirname, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const stamp = args.startedAt.toISOString().replace(/[:.]/g, '-');
  writeFileSync(path.join(resultsDir, `${args.benchmark}-${stamp}.json`), json + '\n');
  if (args.options.json) writeFileSync(args.options.json, json + '\n');
  else process.stdout.write(json + '\n');
  process.stderr.write(`\n${args.table}\n\n`);
  for (const [name, t] of Object.entries(args.targets)) {
    process.stderr.write(
      `${t.met ? 'MET   ' : 'MISSED'} ${name}: ${String(t.value)} (target ${String(t.target)})\n`,
    );
  }
}
