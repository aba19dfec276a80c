import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU time used by the processes of a benchmark, from /proc (Linux only; elsewhere every figure is
 * null): which process was busy during a phase, and which was waiting. Child processes are found
 * by process group, since each piece of the local stack leads its own group (scripts/lib/processes.ts).
 */

/** Linux reports times in clock ticks; USER_HZ is 100 on every architecture Node supports. */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  comm: string;
  pgrp: number;
  /** utime + stime, in seconds. */
  cpu: number;
}

function readStat(pid: string): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // comm is in parentheses and may hold spaces: the fields after it are split from its end.
    const close = text.lastIndexOf(")");
    const comm = text.slice(text.indexOf("(") + 1, close);
    const fields = text.slice(close + 2).split(" ");
    // fields[0] is field 3 (state): pgrp is field 5, utime 14, stime 15.
    return {
      pid: Number(pid),
      comm,
      pgrp: Number(fields[2]),
      cpu: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
    };
  } catch {
    return null; // gone, or not Linux
  }
}

function allStats(): ProcStat[] {
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  return pids.map(readStat).filter((s): s is ProcStat => s !== null);
}

/** CPU seconds so far per label: each group's processes, by command name (`workerd`, `node`, …). */
export type CpuSnapshot = Map<string, number>;

/** A process's command line, arguments joined by spaces ("" when it cannot be read). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
  } catch {
    return "";
  }
}

/**
 * CPU seconds per labelled process group, split by command name within the group: for `{worker:
 * pgid}` the labels are `worker/workerd`, `worker/node` and so on, unless `name` gives a process
 * another one. The benchmark's own process is `benchmark/node`.
 */
export function cpuSnapshot(
  groups: Record<string, number | undefined>,
  name?: (pid: number, comm: string) => string | undefined,
): CpuSnapshot {
  const snapshot: CpuSnapshot = new Map();
  const stats = allStats();
  for (const [label, pgid] of Object.entries(groups)) {
    if (pgid === undefined) continue;
    for (const stat of stats) {
      if (stat.pgrp !== pgid) continue;
      const key = `${label}/${name?.(stat.pid, stat.comm) ?? stat.comm}`;
      snapshot.set(key, (snapshot.get(key) ?? 0) + stat.cpu);
    }
  }
  const usage = process.cpuUsage();
  snapshot.set("benchmark/node", (usage.user + usage.system) / 1e6);
  return snapshot;
}

/** CPU seconds used between two snapshots, per label. Processes that exited in between are missed. */
export function cpuUsed(before: CpuSnapshot, after: CpuSnapshot): Map<string, number> {
  const used = new Map<string, number>();
  for (const [key, value] of after) used.set(key, value - (before.get(key) ?? 0));
  return used;
}

/** Ids of the processes in a process group, optionally only those with command name `comm`. */
export function groupPids(pgid: number, comm?: string): number[] {
  return allStats()
    .filter((stat) => stat.pgrp === pgid && (comm === undefined || stat.comm === comm))
    .map((stat) => stat.pid)
    .sort((a, b) => a - b);
}
