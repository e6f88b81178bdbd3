import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * CPU time by process and by component of the network, from Linux's /proc, so that a benchmark can
 * say where a phase's CPU went (peers, orderers, chaincode, vault, database, the gateway, the
 * benchmark's own client). On a machine of two cores every component competes with the rest, and a
 * throughput ratio alone cannot tell a slow path from a busy neighbour.
 */

/** CPU seconds a process has used (Linux /proc; NaN elsewhere or when it is gone). */
export function cpuSeconds(pid: number | null | undefined): number {
  if (pid === null || pid === undefined) return Number.NaN;
  if (pid === process.pid) {
    const used = process.cpuUsage();
    return (used.user + used.system) / 1e6;
  }
  try {
    // Fields after the command name: state is the 1st, utime the 12th, stime the 13th (clock ticks, 100 Hz).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** What a process of a benchmark network is, from its command line. */
export function componentOf(cmdline: string): string {
  if (cmdline.includes('fabric-shim')) return 'chaincode';
  if (/\/peer\s+node\s+start/.test(cmdline)) return 'peers';
  if (/\/orderer(\s|$)/.test(cmdline)) return 'orderers';
  if (/\bminio\b/.test(cmdline)) return 'vault';
  if (/\bpostgres\b/.test(cmdline)) return 'database';
  return 'other';
}

/** CPU seconds per component, at one moment. */
export type ComponentCpu = Readonly<Record<string, number>>;

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds used so far by each component: every process whose working directory or command line
 * lies in `stateDir` (the benchmark's own network, not another one on the machine), the processes in
 * `named` under their names, and this process as `benchmark client`.
 */
export function componentCpu(stateDir: string, named: Readonly<Record<string, number | undefined>> = {}): ComponentCpu {
  const byPid = new Map<number, string>([[process.pid, 'benchmark client']]);
  for (const [name, pid] of Object.entries(named)) if (pid !== undefined) byPid.set(pid, name);
  const totals: Record<string, number> = {};
  const add = (component: string, seconds: number): void => {
    if (Number.isFinite(seconds)) totals[component] = (totals[component] ?? 0) + seconds;
  };
  for (const [pid, name] of byPid) add(name, cpuSeconds(pid));
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return totals;
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || byPid.has(pid)) continue;
    const cmdline = readText(`/proc/${pid}/cmdline`)?.replaceAll('\0', ' ');
    if (cmdline === undefined) continue;
    let cwd = '';
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      // Another user's process, or gone.
    }
    if (!cwd.startsWith(stateDir) && !cmdline.includes(stateDir)) continue;
    add(componentOf(cmdline), cpuSeconds(pid));
  }
  return totals;
}

/** CPU seconds each component used between two snapshots (a process that ended meanwhile is not counted). */
export function cpuBetween(before: ComponentCpu, after: ComponentCpu): ComponentCpu {
  const used: Record<string, number> = {};
  for (const [component, seconds] of Object.entries(after)) used[component] = Math.max(0, seconds - (before[component] ?? 0));
  return used;
}

/** The sum of two accounts (phases measured apart). */
export function addCpu(a: ComponentCpu, b: ComponentCpu): ComponentCpu {
  const sum: Record<string, number> = { ...a };
  for (const [component, seconds] of Object.entries(b)) sum[component] = (sum[component] ?? 0) + seconds;
  return sum;
}

/**
 * One line: CPU seconds per `per` units of work by component, heaviest first, and the cores used on
 * average over `wallSeconds`.
 */
export function formatCpu(used: ComponentCpu, wallSeconds: number, work: number, per: number, unit: string): string {
  const total = Object.values(used).reduce((a, b) => a + b, 0);
  const parts = Object.entries(used)
    .filter(([, s]) => s >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([component, s]) => `${component} ${((s / work) * per).toFixed(2)}`);
  return `CPU-s per ${per.toLocaleString('en-US')} ${unit}: ${parts.join(', ')}; total ${((total / work) * per).toFixed(2)} (${(total / wallSeconds).toFixed(2)} cores busy on average)`;
}
