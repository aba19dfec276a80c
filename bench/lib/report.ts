import { readFile, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";

const BENCHMARKS = new URL("../../BENCHMARKS.md", import.meta.url);

/** A numeric setting from the environment, so a quick trial run can shrink a benchmark. */
export const envNumber = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/** A number as the reports print it: grouped thousands, a fixed count of decimals. */
export const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The machine a run was measured on, for the heading of each section. */
export function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? "unknown CPU";
  return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

/**
 * Replaces one benchmark's section of BENCHMARKS.md (between its markers), leaving the others as
 * they were, so each benchmark can be rerun on its own.
 */
export async function writeSection(name: string, body: string): Promise<void> {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  let text = await readFile(BENCHMARKS, "utf8").catch(() => "# Benchmarks\n");
  const block = `${start}\n${body.trim()}\n${end}`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  text =
    from >= 0 && to > from
      ? text.slice(0, from) + block + text.slice(to + end.length)
      : `${text.trimEnd()}\n\n${block}\n`;
  await writeFile(BENCHMARKS, text);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The nearest-rank percentile (p from 0 to 100) of a non-empty list. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}
