// loadBundleConfig: bundle and file errors, JSON syntax errors with line and column,
// schema errors, and the "not supported" pass.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBundleConfig, parseConfig } from '../../src/spec/load.js';
import { userErrorMessage } from '../lib/user-error.js';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

const fixtureText = readFileSync(join(repoRoot(), 'test/unit/fixtures/runc-default-config.json'), 'utf8');
const runnable = (): Record<string, any> => ({ ...JSON.parse(fixtureText), process: { ...JSON.parse(fixtureText).process, terminal: false } });

let tmp = '';
test.before.each(() => {
  tmp = mkdtempSync(join(tmpdir(), 'tsrunc-spec-load-'));
});
test.after.each(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function bundleWith(text: string): string {
  writeFileSync(join(tmp, 'config.json'), text);
  return tmp;
}

test('loads a valid bundle and returns the absolute bundle path', () => {
  bundleWith(JSON.stringify(runnable()));
  const { spec, bundle } = loadBundleConfig(relative(process.cwd(), tmp));
  assert.is(bundle, tmp);
  assert.equal(spec.process?.args, ['sh']);
  assert.is(spec.linux?.namespaces?.length, 5);
});

test('missing bundle directory, a file as bundle, missing config.json', () => {
  assert.is(userErrorMessage(() => loadBundleConfig(join(tmp, 'nope'))), `bundle ${join(tmp, 'nope')}: no such file or directory`);
  writeFileSync(join(tmp, 'file'), '');
  assert.is(userErrorMessage(() => loadBundleConfig(join(tmp, 'file'))), `bundle ${join(tmp, 'file')}: not a directory`);
  assert.is(userErrorMessage(() => loadBundleConfig(tmp)), `${join(tmp, 'config.json')}: no such file or directory`);
  mkdirSync(join(tmp, 'config.json'));
  assert.is(userErrorMessage(() => loadBundleConfig(tmp)), `${join(tmp, 'config.json')}: is a directory`);
});

test('invalid JSON reports line and column', () => {
  const cases: [string, string][] = [
    ['{\n  "ociVersion": "1.0.0",\n}', 'line 3, column 1: expected a double-quoted property name'],
    ['{\n  "ociVersion" "1.0.0"\n}', "line 2, column 16: expected ':' after property name"],
    ['{\n  "process": {\n    "terminal": tru\n  }\n}', 'line 3, column 20: unexpected character "\\n"'],
    ['{\n  "a": [1, 2\n', 'line 3, column 1: unexpected end of input'],
    ['[1, 2 3]', "line 1, column 7: expected ',' or ']' after array element"],
    ['', 'line 1, column 1: unexpected end of input'],
    ['{"a": 1} {', 'line 1, column 10: unexpected data after the JSON value'],
    ["{'a': 1}", 'line 1, column 2: expected a double-quoted property name'],
  ];
  for (const [text, where] of cases) {
    assert.is(userErrorMessage(() => loadBundleConfig(bundleWith(text))), `config.json: invalid JSON at ${where}`, JSON.stringify(text));
  }
});

test('a byte order mark is skipped', () => {
  bundleWith('\ufeff' + JSON.stringify(runnable()));
  assert.is(loadBundleConfig(tmp).spec.ociVersion, '1.0.2-dev');
});

test('schema errors: one line each, joined with newlines', () => {
  const c = runnable();
  c.process.rlimits[0].type = 'RLIMIT_FOO';
  c.process.args = [];
  delete c.root.path;
  assert.is(
    userErrorMessage(() => loadBundleConfig(bundleWith(JSON.stringify(c)))),
    [
      'config.json: /root/path: is required',
      'config.json: /process/args: must not be empty',
      'config.json: /process/rlimits/0/type: "RLIMIT_FOO" is not a known rlimit',
    ].join('\n'),
  );
});

test('schema errors come before "not supported"', () => {
  const c = JSON.parse(fixtureText);
  c.linux.namespaces[0].type = 'pidns';
  assert.is(
    userErrorMessage(() => parseConfig(JSON.stringify(c))),
    'config.json: /linux/namespaces/0/type: must be one of pid, network, mount, ipc, uts, user, cgroup, time',
  );
});

test('linux.intelRdt loads: whether the host has resctrl is create\'s question', () => {
  const c = runnable();
  c.linux.intelRdt = { closID: 'x', l3CacheSchema: 'L3:0=f', enableMonitoring: true };
  assert.equal(parseConfig(JSON.stringify(c)).linux?.intelRdt, c.linux.intelRdt);
});

test('the config `runc spec` writes is valid (when runc is installed)', () => {
  if (!existsSync('/usr/sbin/runc')) return;
  const r = spawnSync('/usr/sbin/runc', ['spec', '--bundle', tmp], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  // runc's default asks for a terminal: supported (a console socket or a foreground run).
  assert.is(loadBundleConfig(tmp).spec.hostname, 'runc');
  assert.is(loadBundleConfig(tmp).spec.process?.terminal, true);
});

test.run();
