// ps: the container's pids (from its cgroup), and `ps` output filtered to them, as runc does.
import { spawnSync } from 'node:child_process';
import { UserError } from '../errors.js';
import { openContainer } from './container.js';
import type { GlobalOptions } from './options.js';

export function containerPids(g: GlobalOptions, id: string): number[] {
  const c = openContainer(g, id, false);
  // a stopped container whose cgroup is gone has no processes (runc prints an empty list)
  if (!c.cgroup.exists()) return [];
  return c.cgroup.pids();
}

/** Runs the host's ps (default `ps -ef`) and keeps the header and the rows of pids. */
export function psTable(pids: readonly number[], psArgs: readonly string[]): string {
  const args = psArgs.length ? [...psArgs] : ['-ef'];
  const r = spawnSync('ps', args, { encoding: 'utf8' });
  if (r.error) throw new UserError(`ps ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new UserError(`ps ${args.join(' ')} exited ${r.status}: ${(r.stdout + r.stderr).trim()}`);
  const lines = r.stdout.split('\n');
  const pidIndex = lines[0].trim().split(/\s+/).indexOf('PID');
  if (pidIndex < 0) throw new UserError("couldn't find PID field in ps output");
  const wanted = new Set(pids);
  const out = [lines[0]];
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const field = line.trim().split(/\s+/)[pidIndex];
    const pid = Number(field);
    if (!/^\d+$/.test(field ?? '')) throw new UserError(`unable to parse pid: ${JSON.stringify(field)}`);
    if (wanted.has(pid)) out.push(line);
  }
  return out.join('\n') + '\n';
}
