// The fast parser must give the same arguments as yargs, or step aside.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { COMMANDS } from '../../src/cli/commands.js';
import { fastParse } from '../../src/cli/fast-parse.js';
import { buildParser } from '../../src/cli/yargs-cli.js';
import { camelCase, GLOBAL_FLAGS, type CommandSpec } from '../../src/cli/flags.js';

/** The command yargs runs for args and the arguments it gets, the handlers replaced by a capture. */
async function viaYargs(args: string[]): Promise<{ name: string; argv: Record<string, unknown> }> {
  let got: { name: string; argv: Record<string, unknown> } | undefined;
  const capturing = COMMANDS.map((c): CommandSpec => ({ ...c, run: async (argv) => void (got = { name: c.name, argv: argv as unknown as Record<string, unknown> }) }));
  const hooks = {
    configureLog: () => {},
    fail: (text: string) => {
      throw new Error(`yargs failed: ${text}`);
    },
  };
  await buildParser(args, capturing, hooks).parseAsync();
  if (!got) throw new Error(`yargs ran nothing for ${args.join(' ')}`);
  return got;
}

/** What the handlers read: camelCase flag names, positionals and _. */
function project(spec: CommandSpec, argv: Record<string, unknown>): Record<string, unknown> {
  const keys = ['_', ...Object.keys(GLOBAL_FLAGS), ...Object.keys(spec.flags ?? {})].map(camelCase);
  keys.push(...(spec.positionals ?? []).map((p) => p.name));
  return Object.fromEntries(keys.filter((k) => argv[k] !== undefined).map((k) => [k, argv[k]]));
}

const SAME_AS_YARGS: string[][] = [
  ['state', 'x'],
  ['--root', '/r', 'state', 'x'],
  ['--root=/r', 'state', 'x'],
  ['state', 'x', '--root', '/r'],
  ['--root', '/r', '--log', '/l', '--log-format', 'json', '--systemd-cgroup', 'kill', 'x', 'KILL'],
  ['--root', '/r', '--log', '/l', '--log-format', 'json', 'delete', '--force', 'x'],
  ['--debug', 'state', 'x'],
  ['--rootless', 'true', 'state', 'x'],
  ['--criu', 'c', 'state', 'x'],
  ['kill', 'x'],
  ['kill', '-a', 'x', '9'],
  ['kill', 'x', '--all'],
  ['kill', 'x', '09'],
  ['delete', '-f', 'x'],
  ['delete', 'x', '--force'],
  ['start', 'x'],
  ['state', '123'],
  ['state', '1e3'],
  ['delete', '--force', '007'],
  ['create', '--bundle', '/b', 'x'],
  ['create', '-b', '/b', '--pid-file', '/p', '--console-socket', '/s', '--no-pivot', '--no-new-keyring', '--preserve-fds', '2', 'x'],
  ['create', '--preserve-fds=3', '--bundle=/b', 'x'],
  ['run', '-d', '--bundle', '/b', 'x'],
  ['run', '--detach', '-b', '.', 'x'],
  ['run', '--bundle', '/b', 'x'],
  ['list'],
  ['ps-all'],
  ['list', '-q'],
  ['list', '--format', 'json'],
  ['list', '-f', 'json'],
  ['spec', '-b', '/x'],
  ['features'],
  ['pause', 'x'],
  ['resume', 'x'],
  ['ps', 'x'],
  ['ps', '-f', 'json', 'x'],
  ['exec', '--process', '/p', '--detach', '--pid-file', '/f', 'x'],
  ['exec', '-p', '/p', '-d', 'x'],
  // after the id, the rest is the command as is (runc), flags included
  ['exec', 'x', 'sh'],
  ['exec', '-t', '--user', '1000:1000', 'x', 'sh', '-c', 'echo -n hi --root'],
  ['--root', '/r', 'exec', '--env', 'A=1', 'x', 'ls', '-l', '--all', 'x'],
  ['ps', 'x', '-o', 'pid'],
  ['ps', '--format', 'table', 'x', '-e', '-f'],
  ['update', '--memory', '1m', 'x'],
  ['update', '-r', '/f', 'x'],
  ['update', '--cpu-shares', '5', 'x'],
  ['update', '--pids-limit', '10', 'x'],
  ['events', '--stats', 'x'],
  ['events', '--interval', '1s', 'x'],
];

for (const args of SAME_AS_YARGS) {
  test(`fast parse = yargs: ${args.join(' ')}`, async () => {
    const fast = fastParse(args, COMMANDS);
    assert.ok(fast, 'the fast parser takes it');
    const y = await viaYargs(args);
    assert.is(fast.spec.name, y.name);
    assert.equal(project(fast.spec, fast.argv), project(fast.spec, y.argv));
  });
}

const LEFT_TO_YARGS: string[][] = [
  [],
  ['--help'],
  ['-h'],
  ['state', '--help'],
  ['-v'],
  ['--version'],
  ['frobnicate'],
  ['state'],
  ['state', ''],
  ['state', 'a', 'b'],
  ['state', '--bogus', 'x'],
  ['--pidFile', 'p', 'create', 'x'],
  ['-b', '/b', 'create', 'x'],
  ['--force', 'delete', 'x'],
  ['delete', '--force=true', 'x'],
  ['delete', '--force', 'true', 'x'],
  ['delete', '-ff', 'x'],
  ['kill', '-af', 'x'],
  ['state', '--', 'x'],
  ['--root', '-x', 'state', 'x'],
  ['--root', '', 'state', 'x'],
  ['--root', 'a', '--root', 'b', 'state', 'x'],
  ['--log-format', 'xml', 'state', 'x'],
  ['state', 'x', '--root'],
  ['create', '--preserve-fds', 'abc', 'x'],
  ['create', '--preserve-fds', '-1', 'x'],
  ['exec', '-e', 'A=1', '-e', 'B=2', 'x'],
  ['update', '-r', '-', 'x'],
  ['spec', '--rootless'],
];

for (const args of LEFT_TO_YARGS) {
  test(`left to yargs: ${JSON.stringify(args)}`, () => {
    assert.is(fastParse(args, COMMANDS), undefined);
  });
}

test.run();
