// The process section of config.json, checked from inside real containers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Session, uniqueId, withPipes } from '../lib/harness.js';

const s = new Session();
test.after(() => s.cleanup());

function inside(script: string, mutate: Parameters<Session['runOnce']>[0] = () => {}): string {
  const r = s.runOnce(mutate, ['sh', '-c', script]);
  if (r.code !== 0) throw new Error(`container exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

function statusField(out: string, key: string): string {
  const m = out.match(new RegExp(`^${key}:\\s*(.*)$`, 'm'));
  return m ? m[1].trim() : '';
}

test('args, env and cwd', () => {
  const out = inside('echo "$FOO|$BAR|$(pwd)"', (c) => {
    c.process!.env = ['PATH=/bin:/usr/bin', 'FOO=one', 'BAR=two words'];
    c.process!.cwd = '/tmp';
  });
  assert.is(out, 'one|two words|/tmp\n');
});

test('HOME comes from the container /etc/passwd unless the config sets it', () => {
  assert.is(inside('echo $HOME', (c) => {
    c.process!.env = ['PATH=/bin'];
    c.process!.user = { uid: 1000, gid: 1000 };
  }), '/home/test\n');
  assert.is(inside('echo $HOME', (c) => (c.process!.env = ['PATH=/bin'])), '/root\n');
  assert.is(inside('echo $HOME', (c) => (c.process!.env = ['PATH=/bin', 'HOME=/custom'])), '/custom\n');
  assert.is(inside('echo $HOME', (c) => {
    c.process!.env = ['PATH=/bin'];
    c.process!.user = { uid: 4242, gid: 4242 };
  }), '/\n');
});

test('user uid, gid, additionalGids and umask', () => {
  const out = inside('id -u; id -g; id -G; umask', (c) => {
    c.process!.user = { uid: 1000, gid: 1000, additionalGids: [5, 100], umask: 0o027 };
  });
  assert.is(out, '1000\n1000\n1000 5 100\n0027\n');
});

test('a non-root user can reopen its stdio pipes: cat /dev/stdin, echo > /dev/stdout (as runc\'s fixStdioPermissions)', () => {
  const bundle = s.bundle((c) => {
    c.process!.user = { uid: 1000, gid: 1000 };
    c.process!.args = ['sh', '-c', 'cat /dev/stdin; echo to-stdout > /dev/stdout; echo to-stderr > /dev/stderr'];
  });
  const r = withPipes(['--root', s.root, 'run', '--bundle', bundle, uniqueId('stdio')], 'from-stdin\n');
  assert.equal(r.lines, ['E:to-stderr', 'from-stdin', 'to-stdout']);
});

test('hostname and domainname', () => {
  const out = inside('hostname; cat /proc/sys/kernel/domainname', (c) => {
    c.hostname = 'box1';
    c.domainname = 'example.org';
  });
  assert.is(out, 'box1\nexample.org\n');
});

test('rlimits', () => {
  const out = inside('ulimit -n; ulimit -Hn; ulimit -c', (c) => {
    c.process!.rlimits = [
      { type: 'RLIMIT_NOFILE', soft: 321, hard: 654 },
      { type: 'RLIMIT_CORE', soft: 0, hard: 0 },
    ];
  });
  assert.is(out, '321\n654\n0\n');
});

test('noNewPrivileges on and off', () => {
  assert.is(statusField(inside('cat /proc/self/status', (c) => (c.process!.noNewPrivileges = true)), 'NoNewPrivs'), '1');
  assert.is(statusField(inside('cat /proc/self/status', (c) => (c.process!.noNewPrivileges = false)), 'NoNewPrivs'), '0');
});

test('all five capability sets as configured', () => {
  const out = inside('cat /proc/self/status', (c) => {
    c.process!.noNewPrivileges = true;
    c.process!.capabilities = {
      bounding: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_ADMIN'],
      effective: ['CAP_CHOWN', 'CAP_KILL'],
      permitted: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      inheritable: ['CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      ambient: ['CAP_KILL'],
    };
  });
  // CAP_CHOWN=0, CAP_KILL=5, CAP_NET_BIND_SERVICE=10, CAP_SYS_ADMIN=21
  assert.is(statusField(out, 'CapBnd'), '0000000000200421');
  // With no_new_privs, execve cannot raise permitted above what was set (as with runc).
  assert.is(statusField(out, 'CapPrm'), '0000000000000421');
  assert.is(statusField(out, 'CapEff'), '0000000000000421');
  assert.is(statusField(out, 'CapInh'), '0000000000000420');
  assert.is(statusField(out, 'CapAmb'), '0000000000000020');
});

test('an unknown capability is left out with a warning on stderr, not an error (runtime-spec 1.3, runc)', () => {
  // runtime-tools' process_capabilities_fail still expects an error: spec drift
  const r = s.runOnce((c) => {
    c.process!.capabilities!.bounding = [...(c.process!.capabilities!.bounding ?? []), 'CAP_TEST'];
  }, ['true']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /level=warning msg=".*CAP_TEST/);
});

test('without process.capabilities the process runs with all five sets empty (as runc)', () => {
  const out = inside('cat /proc/self/status', (c) => {
    delete c.process!.capabilities;
  });
  for (const f of ['CapBnd', 'CapPrm', 'CapEff', 'CapInh', 'CapAmb']) assert.is(statusField(out, f), '0000000000000000', f);
});

test('a capability name that is not CAP_-shaped is a warning too, not a config error', () => {
  const r = s.runOnce((c) => {
    c.process!.capabilities = { bounding: ['CAP_KILL', 'cap_foo'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'] };
  }, ['sh', '-c', 'grep CapBnd /proc/self/status']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /level=warning msg=".*cap_foo/);
  assert.match(r.stdout, /CapBnd:\s+0000000000000020/);
});

test('a non-root user gets only ambient capabilities', () => {
  const out = inside('cat /proc/self/status', (c) => {
    c.process!.user = { uid: 1000, gid: 1000 };
    c.process!.noNewPrivileges = false;
    c.process!.capabilities = {
      bounding: ['CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      effective: ['CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      permitted: ['CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      inheritable: ['CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      ambient: ['CAP_NET_BIND_SERVICE'],
    };
  });
  assert.is(statusField(out, 'CapEff'), '0000000000000400');
  assert.is(statusField(out, 'CapAmb'), '0000000000000400');
  const none = inside('cat /proc/self/status', (c) => {
    c.process!.user = { uid: 1000, gid: 1000 };
  });
  assert.is(statusField(none, 'CapEff'), '0000000000000000');
  assert.is(statusField(none, 'CapPrm'), '0000000000000000');
});

test('the process runs in a new session', () => {
  const out = inside('cat /proc/self/stat');
  const fields = out.slice(out.lastIndexOf(')') + 2).split(' ');
  // fields[3] is the session id (field 6): the init leads its own session.
  assert.is(fields[3], '1');
});

test.run();
