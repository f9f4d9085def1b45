// One build step: build the C stub in nsexec/, transpile src/ and test/ to dist/ (type
// checking is `npm run typecheck`), bundle the CLI for bin/tsrunc (the Node build) with its
// V8 code cache, and compile dist/tsrunc, the self-contained executable, with Bun.
import { build } from 'esbuild';
import { readdirSync, readFileSync, statSync, rmSync, renameSync, existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import vm from 'node:vm';

function tsFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

// The stub first: the self-contained binary embeds it.
execFileSync('make', ['-s', '-C', 'nsexec'], { stdio: 'inherit' });

// What this build is (src/build-info.ts), as a literal in both builds.
function gitDescribe() {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}
const buildInfo = JSON.stringify({ version: JSON.parse(readFileSync('package.json', 'utf8')).version, commit: gitDescribe() });

// Build beside dist/ and swap it in, so a tsrunc or test running from dist/
// while we build never finds it half-empty.
const fresh = `dist.new-${process.pid}`;
const old = `dist.old-${process.pid}`;
const common = { platform: 'node', target: 'node20', logLevel: 'warning', define: { TSRUNC_BUILD_INFO: buildInfo } };
// One file per module: what the tests import.
// (not bun-main.ts: it imports the stub binary, which only Bun's bundler embeds)
await build({ ...common, format: 'esm', entryPoints: [...tsFiles('src'), ...tsFiles('test')].filter((f) => !f.endsWith('bun-main.ts')), outdir: fresh, outbase: '.' });
// Guest tests run inside the cgroup v2 + systemd test VM with its Node 18 (test/guest-vm.mjs):
// each one self-contained file (uvu and the harness inside), so the guest needs no node_modules.
const guestTests = tsFiles('test/guest').filter((f) => f.endsWith('.test.ts'));
if (guestTests.length) {
  await build({
    ...common,
    target: 'node18',
    format: 'esm',
    bundle: true,
    entryPoints: guestTests,
    outdir: join(fresh, 'test/guest'),
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
}

// The CLI as one script, run by bin/tsrunc (docs/performance.md): one file to read
// and, with the code cache, nothing to parse; modules behind dynamic imports are still
// evaluated only when a command imports them. The script is a function expression
// taking CommonJS's arguments. It sits as deep as dist/src/<dir>/, so paths relative
// to import.meta.url (the stub, package.json) resolve the same. koffi is native: external.
const cli = resolve(fresh, 'bundle/cli/main.script.js');
await build({
  ...common,
  format: 'cjs',
  bundle: true,
  entryPoints: ['src/cli/main.ts'],
  outfile: cli,
  external: ['koffi'],
  define: { ...common.define, 'import.meta.url': '__importMetaUrl' },
  banner: {
    js: '(function (exports, require, module, __filename, __dirname) {\nconst __importMetaUrl = require("node:url").pathToFileURL(__filename).href;',
  },
  footer: { js: '})' },
});
// yargs (ES module only, slow to load) for what the fast parser leaves to it.
await build({ ...common, format: 'esm', bundle: true, entryPoints: ['src/cli/yargs-cli.ts'], outfile: resolve(fresh, 'bundle/cli/yargs-cli.js') });
// V8 code cache of the script, compiled and its top level run as bin/tsrunc does,
// under the name it will have in dist/ (the cache keeps it for stack traces); then
// warmUp() calls the pure part of the common commands once, so that the functions
// V8 compiles only on first call are in the cache too (src/cli/warm-up.ts).
// V8 ignores a cache from another node version or other flags.
const installed = resolve('dist/bundle/cli/main.script.js');
const script = new vm.Script(readFileSync(cli, 'utf8'), { filename: installed });
const mod = { exports: {} };
script.runInThisContext().call(mod.exports, mod.exports, createRequire(installed), mod, installed, dirname(installed));
await mod.exports.warmUp();
writeFileSync(`${cli}.cache`, script.createCachedData());

// The self-contained executable: the CLI, yargs, the validator, koffi's native module and
// the stub in one file, with bytecode so that nothing is parsed at start, and split in
// chunks so that a command loads only its own code (src/cli/bun-main.ts; docs/performance.md).
execFileSync(
  resolve('node_modules/.bin/bun'),
  ['build', '--compile', '--splitting', '--bytecode', '--minify', '--keep-names', '--format=esm', '--target=bun-linux-x64',
    // a command lives for milliseconds: JIT tiers that pay off later only cost CPU now
    // (state 9.7 → 7.5 ms wall on an idle machine; docs/performance.md)
    '--compile-jit-policy=100',
    // a runtime runs as root in directories others control (containerd: the bundle):
    // it must not pick up a bunfig.toml (preload scripts!), .env, tsconfig or package.json there
    '--no-compile-autoload-bunfig', '--no-compile-autoload-dotenv', '--no-compile-autoload-tsconfig', '--no-compile-autoload-package-json',
    '--define', `TSRUNC_BUILD_INFO=${buildInfo}`, 'src/cli/bun-main.ts', '--outfile', resolve(fresh, 'tsrunc')],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);

if (existsSync('dist')) renameSync('dist', old);
renameSync(fresh, 'dist');
rmSync(old, { recursive: true, force: true });
