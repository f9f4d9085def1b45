// Helpers of the guest suite (runs inside the cgroup v2 + systemd guest, see test/guest-vm.mjs).
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { uniqueId, type Session } from '../lib/harness.js';
import type { Spec } from '../../src/spec/config.js';

export const CGROUP_ROOT = '/sys/fs/cgroup';

export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function waitFor(what: string, cond: () => boolean, ms = 30_000): void {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    sleepMs(50);
  }
}

/** A cgroup file's content, trimmed. */
export function read(dir: string, file: string): string {
  return readFileSync(join(dir, file), 'utf8').trim();
}

/** The container's v2 directory, as create stored it. */
export function dirOf(s: Session, id: string): string {
  const dirs = JSON.parse(readFileSync(join(s.root, id, 'state.json'), 'utf8')).cgroupDirs as Record<string, string>;
  return dirs[''];
}

/** A detached container running script, with a host directory bind-mounted at /out. */
export function start(s: Session, script: string, mutate: (c: Spec) => void = () => {}, globals: string[] = []): { id: string; out: string; bundle: string } {
  const out = mkdtempSync(join(s.tmp, 'out-'));
  const bundle = s.bundle((c) => {
    c.mounts!.push({ destination: '/out', type: 'bind', source: out, options: ['rbind', 'rw'] });
    c.process!.args = ['sh', '-c', script];
    mutate(c);
  });
  const id = uniqueId('g');
  s.ok(['run', '-d', '--bundle', bundle, id], { globals });
  return { id, out, bundle };
}

export function fileIn(out: string, name: string): string | undefined {
  const p = join(out, name);
  return existsSync(p) ? readFileSync(p, 'utf8').trim() : undefined;
}

/** `events --stats` data. */
export function stats(s: Session, id: string, globals: string[] = []): any {
  const lines = s.ok(['events', '--stats', id], { globals }).trim().split('\n');
  const ev = JSON.parse(lines[0]);
  return ev.data;
}

export function pidsOf(s: Session, id: string, globals: string[] = []): number[] {
  return JSON.parse(s.ok(['ps', '--format', 'json', id], { globals })) ?? [];
}

/** Runs a host command; throws with its output when it fails. */
export function sh(cmd: string): string {
  const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd}: exit ${r.status}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** The cgroup v2 path of a process, from /proc/<pid>/cgroup ("0::/a/b" → "/a/b"). */
export function cgroupOf(pid: number): string {
  const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.startsWith('0::'));
  return line ? line.slice(3) : '';
}
