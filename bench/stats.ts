/**
 * Small helpers shared by the benchmark scripts: timing, median/p90, memory, aligned output.
 * The benchmarks print numbers and assert nothing; see bench/README.md.
 */
import { cpus, loadavg } from 'node:os';

/** Runs `fn` and returns its result with the wall time in milliseconds. */
export async function timed<T>(fn: () => Promise<T> | T): Promise<[T, number]> {
  const started = performance.now();
  const value = await fn();
  return [value, performance.now() - started];
}

/** The q-quantile (0..1) of `xs` by nearest rank; 0 for an empty list. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

/** Milliseconds with one decimal, for tables. */
export function ms(x: number): string {
  return `${x.toFixed(1)} ms`;
}

/** Megabytes from bytes. */
export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Peak resident set size of this process so far (bytes). */
export function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/** One line saying what ran where (and how busy the machine was), printed first by every benchmark. */
export function machineLine(): string {
  const cpu = cpus();
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  return `node ${process.version}, ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown cpu'}), ${process.platform}, load average ${load}`;
}
