// The classic manual network setup (docs/networking.md): two containers, each
// in its own network namespace, joined by veth pairs to a bridge that lives in
// a network namespace this test creates. bundles/net/netns-bridge-hook.sh
// wires each container as a createRuntime hook. The 10.200.0.0/24 addresses
// exist only inside these namespaces; the host's network is never touched.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO, Session, uniqueId } from '../lib/harness.js';
import { sleepMs } from '../../src/linux/proc.js';
import type { Spec } from '../../src/spec/config.js';

const HOOK = join(REPO, 'bundles/net/netns-bridge-hook.sh');
const NETNS = `tsrunc-test-net-${process.pid}`;
const BRIDGE = 'br0';

const s = new Session();

function ip(args: string[]): string {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Interface names in the host's network namespace, or in a named one. */
function links(netns?: string): string[] {
  const out = ip([...(netns ? ['-n', netns] : []), '-o', 'link', 'show']);
  return out.trim().split('\n').map((l) => l.split(':')[1].trim().split('@')[0]);
}

function netnsList(): string[] {
  return ip(['netns', 'list']).trim().split('\n').map((l) => l.split(' ')[0]).filter(Boolean);
}

function removeNetns(): void {
  if (netnsList().includes(NETNS)) ip(['netns', 'del', NETNS]);
}

const hostLinksBefore = links();

/**
 * Interfaces this test's hook could have put on the host (its veth ends, the
 * bridge). Other suites running at the same time may add their own: not ours.
 */
function oursOnHost(): string[] {
  return links().filter((l) => !hostLinksBefore.includes(l) && (/^(veth|vpeer)\d+$/.test(l) || l === BRIDGE));
}
ip(['netns', 'add', NETNS]);
ip(['-n', NETNS, 'link', 'add', BRIDGE, 'type', 'bridge']);
ip(['-n', NETNS, 'link', 'set', BRIDGE, 'up']);

test.after(() => {
  s.cleanup();
  removeNetns();
});

/** The config of a container that the hook connects to the bridge with address. */
function networked(address: string, bridge = BRIDGE) {
  return (c: Spec): void => {
    assert.ok(c.linux!.namespaces!.some((n) => n.type === 'network' && !n.path), 'a new network namespace');
    c.process!.args = ['sleep', '300'];
    // busybox ping opens a raw socket
    for (const set of ['bounding', 'effective', 'permitted'] as const) c.process!.capabilities![set]!.push('CAP_NET_RAW');
    c.hooks = { createRuntime: [{ path: HOOK, args: ['netns-bridge-hook.sh', NETNS, bridge, address], timeout: 10 }] };
  };
}

function ping(id: string, address: string): ReturnType<Session['tsrunc']> {
  return s.tsrunc(['exec', id, 'ping', '-c1', '-W2', address]);
}

function waitFor(cond: () => boolean, ms = 5000): boolean {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) sleepMs(50);
  return cond();
}

test('two containers on a bridge in a private network namespace reach each other', () => {
  const a = uniqueId('net-a');
  const b = uniqueId('net-b');
  s.ok(['run', '-d', '--bundle', s.bundle(networked('10.200.0.2/24')), a]);
  s.ok(['run', '-d', '--bundle', s.bundle(networked('10.200.0.3/24')), b]);
  const pidA = s.state(a).pid;
  const pidB = s.state(b).pid;

  const addrB = s.ok(['exec', b, 'ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0']);
  assert.match(addrB, 'inet 10.200.0.3/24');
  // The bridge netns holds the bridge and one veth end per container, on the bridge.
  const bridged = ip(['-n', NETNS, '-o', 'link', 'show', 'master', BRIDGE]);
  assert.match(bridged, `veth${pidA}@`);
  assert.match(bridged, `veth${pidB}@`);

  const ab = ping(a, '10.200.0.3');
  assert.is(ab.code, 0, ab.stdout + ab.stderr);
  assert.match(ab.stdout, '1 packets received');
  const ba = ping(b, '10.200.0.2');
  assert.is(ba.code, 0, ba.stdout + ba.stderr);

  // Nothing of this is on the host: no veth or bridge ever appeared there.
  assert.equal(oursOnHost(), []);

  s.ok(['delete', '--force', a]);
  s.ok(['delete', '--force', b]);
  // The kernel removes a veth pair with the last namespace holding one end (asynchronously).
  assert.ok(waitFor(() => links(NETNS).every((l) => !l.startsWith('veth'))), `veth ends left: ${links(NETNS)}`);
  assert.equal(links(NETNS).sort(), [BRIDGE, 'lo'].sort());
});

test('a container is isolated from the bridge without the hook', () => {
  const a = uniqueId('net-a');
  const lone = uniqueId('net-lone');
  s.ok(['run', '-d', '--bundle', s.bundle(networked('10.200.0.2/24')), a]);
  s.ok(['run', '-d', '--bundle', s.bundle((c) => {
    c.process!.args = ['sleep', '300'];
  }), lone]);
  assert.equal(s.ok(['exec', lone, 'ls', '/sys/class/net']).trim().split(/\s+/), ['lo']);
  s.ok(['delete', '--force', a]);
  s.ok(['delete', '--force', lone]);
});

test('a hook that cannot attach (no such bridge) fails create and leaves no interface behind', () => {
  const id = uniqueId('net-bad');
  const r = s.tsrunc(['run', '-d', '--bundle', s.bundle(networked('10.200.0.9/24', 'nosuchbr')), id]);
  assert.is(r.code, 1);
  assert.match(r.stderr, `createRuntime: error running hook #0 (${HOOK}): exited with status`);
  assert.equal(s.containers(), []);
  assert.ok(waitFor(() => links(NETNS).every((l) => !l.startsWith('veth') && !l.startsWith('vpeer'))), `left: ${links(NETNS)}`);
  assert.equal(oursOnHost(), []);
});

test('cleanup: the bridge namespace goes, and the host has no new interfaces', () => {
  for (const id of s.containers()) s.ok(['delete', '--force', id]);
  removeNetns();
  assert.not.ok(netnsList().includes(NETNS));
  assert.equal(oursOnHost(), []);
});

test.run();
