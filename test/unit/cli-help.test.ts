// Which help a command line asks for, and its text in runc's layout.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { COMMANDS } from '../../src/cli/commands.js';
import { helpRequest, renderHelp } from '../../src/cli/help.js';

const kind = (args: string[]): string | undefined => {
  const r = helpRequest(args, COMMANDS);
  if (!r) return undefined;
  return r.kind === 'command' ? `command ${r.spec.name}` : r.kind === 'unknown' ? `unknown ${r.topic}` : r.kind;
};

test('help requests: global, per command, unknown topics; not inside exec\'s command', () => {
  assert.is(kind(['-h']), 'main');
  assert.is(kind(['--root', '/r', '--help']), 'main');
  assert.is(kind([]), 'main');
  assert.is(kind(['--debug']), 'main');
  assert.is(kind(['help']), 'main');
  assert.is(kind(['-v']), 'version');
  assert.is(kind(['--log', 'x', '--version']), 'version');
  assert.is(kind(['checkpoint', '-h']), 'command checkpoint');
  assert.is(kind(['help', 'delete']), 'command delete');
  assert.is(kind(['ps-all', '--help']), 'command list');
  assert.is(kind(['exec', '--cwd', '/', '-h']), 'command exec');
  assert.is(kind(['foo', '-h']), 'unknown foo');
  assert.is(kind(['help', 'foo']), 'unknown foo');
  // after the first positional, -h belongs to the container's command
  assert.is(kind(['exec', 'c1', 'ls', '-h']), undefined);
  assert.is(kind(['kill', 'c1', 'KILL']), undefined);
  assert.is(kind(['--root', '-h-dir', 'state', 'c1']), undefined);
});

test('help text: runc\'s sections; unknown topic on stderr with exit 3', () => {
  const main = renderHelp({ kind: 'main' }, COMMANDS);
  assert.is(main.code, 0);
  const lines = main.text.split('\n');
  assert.is(lines[0], 'NAME:');
  assert.match(lines[1], /^ {3}tsrunc - Open Container Initiative runtime/);
  for (const section of ['USAGE:', 'VERSION:', 'COMMANDS:', 'GLOBAL OPTIONS:']) assert.ok(lines.includes(section), section);
  assert.ok(lines.some((l) => /^ {3}list, ps-all +list containers/.test(l)));
  assert.ok(lines.some((l) => /^ {3}--root value +directory for container state \(default: "\/run\/tsrunc"\)$/.test(l)));
  const exec = renderHelp({ kind: 'command', spec: COMMANDS.find((c) => c.name === 'exec')! }, COMMANDS).text.split('\n');
  assert.equal(exec.slice(0, 2), ['NAME:', `   tsrunc exec - ${COMMANDS.find((c) => c.name === 'exec')!.describe}`]);
  assert.match(exec[4], /^ {3}tsrunc exec \[command options\] <container-id> \[command\.\.\.\]$/);
  assert.ok(exec.some((l) => /--pidfd-socket value/.test(l)));
  const unknown = renderHelp({ kind: 'unknown', topic: 'foo' }, COMMANDS);
  assert.equal(unknown, { text: "No help topic for 'foo'\n", code: 3, toStderr: true });
});

test.run();
