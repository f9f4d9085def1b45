// linux.seccomp → a raw BPF program (struct sock_filter[]) and seccomp(2)
// filter flags, built with libseccomp in the parent so the stub only has to
// load it. Semantics follow runc (libcontainer/seccomp and specconv) except
// where the spec says MUST: errnoRet on an action without an errno is refused.
import type { LinuxSeccomp, LinuxSeccompAction, LinuxSeccompArg, LinuxSeccompFlag } from '../spec/config.js';
import { endianness } from 'node:os';
import { errnoText } from '../errors.js';
import { errnoName } from '../linux/libc.js';
import { configError } from '../plan/config-error.js';
import { archLimits, enosysStub } from './enosys.js';
import { type ArgCmp, type FilterCtx, exportProgram, libseccomp, NR_SCMP_ERROR, SCMP_FLTATR_CTL_LOG, SCMP_FLTATR_CTL_OPTIMIZE, SCMP_FLTATR_CTL_SSB } from './libseccomp.js';
import {
  ACTIONS_WITH_ERRNO,
  ARCH_NAMES,
  actionValue,
  OPERATORS,
  SECCOMP_FILTER_FLAG_LOG,
  SECCOMP_FILTER_FLAG_NEW_LISTENER,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
} from './names.js';

export interface SeccompProgram {
  /** struct sock_filter entries, 8 bytes each, native byte order. */
  program: Uint8Array;
  /** SECCOMP_FILTER_FLAG_* for seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog). */
  flags: number;
}

export interface CompileSeccompOptions {
  /** Receives what runc only logs: unknown syscalls, ignored flags. */
  warn?: (msg: string) => void;
}

const P = '/linux/seccomp';
const MAX_SYSCALL_ARGS = 6;
/** runc turns on libseccomp's binary-tree layout above this many syscall entries. */
const OPTIMIZE_ABOVE = 32;
const EEXIST = 17;
const ENOSYS = 38;
/** seccomp_api_get() levels: 3 = CTL_LOG, 4 = CTL_SSB. */
const API_LOG = 3;
const API_SSB = 4;

export function compileSeccomp(cfg: LinuxSeccomp, opts: CompileSeccompOptions = {}): SeccompProgram {
  const warn = opts.warn ?? (() => {});
  if (cfg.defaultAction === 'SCMP_ACT_NOTIFY') {
    // Every syscall, write included, would wait for an agent the init cannot reach yet.
    throw configError(`${P}/defaultAction`, 'SCMP_ACT_NOTIFY cannot be used as default action');
  }
  const defaultAction = resolveAction(cfg.defaultAction, cfg.defaultErrnoRet, `${P}/defaultAction`, `${P}/defaultErrnoRet`);
  const rules = (cfg.syscalls ?? []).map((call, i) => {
    const at = `${P}/syscalls/${i}`;
    // The init hands the notify fd to the agent with sendmsg() (and reports with
    // write()) after the filter is loaded: notifying on those would wait for itself.
    const blocked = call.action === 'SCMP_ACT_NOTIFY' ? call.names.findIndex((n) => n === 'write' || n === 'sendmsg') : -1;
    if (blocked >= 0) {
      throw configError(`${at}/names/${blocked}`, `SCMP_ACT_NOTIFY cannot be used for the ${call.names[blocked]} syscall`);
    }
    return {
      at,
      names: call.names,
      action: resolveAction(call.action, call.errnoRet, `${at}/action`, `${at}/errnoRet`),
      conditionSets: conditionSets(call.args ?? [], `${at}/args`),
    };
  });
  const hasNotify = (cfg.syscalls ?? []).some((c) => c.action === 'SCMP_ACT_NOTIFY');

  const lib = libseccomp();
  const ctx = lib.init(defaultAction);
  if (!ctx) throw new Error(`seccomp_init(0x${defaultAction.toString(16)}) failed`);
  try {
    addArchitectures(ctx, cfg.architectures ?? []);
    let flags = setFlags(ctx, cfg.flags, hasNotify, warn);
    if (hasNotify) flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;

    const entries = rules.reduce((n, r) => n + r.names.length, 0);
    // Only a layout choice; an old libseccomp without it still builds a correct filter.
    if (entries > OPTIMIZE_ABOVE) lib.attrSet(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);

    for (const rule of rules) {
      // libseccomp refuses a rule that repeats the default action; runc skips it.
      if (rule.action === defaultAction) continue;
      rule.names.forEach((name, j) => {
        const nr = lib.syscallResolveName(name);
        if (nr === NR_SCMP_ERROR) {
          warn(`config.json: ${rule.at}/names/${j}: unknown syscall "${name}" ignored`);
          return;
        }
        for (const args of rule.conditionSets) {
          const rc = lib.ruleAdd(ctx, rule.action, nr, args);
          if (rc < 0) throw configError(`${rule.at}/names/${j}`, `cannot add a rule for "${name}": ${reason(rc)}`);
        }
      });
    }

    const program = exportProgram(ctx);
    if (typeof program === 'number') throw new Error(`seccomp_export_bpf: ${reason(program)}`);
    const stub = enosysPrefix(cfg, warn);
    if (stub.length === 0) return { program, flags };
    const full = new Uint8Array(stub.length + program.length);
    full.set(stub);
    full.set(program, stub.length);
    return { program: full, flags };
  } finally {
    lib.release(ctx);
  }
}

/** Default actions under which a syscall the profile does not know is not refused anyway (runc counts TRACE in). */
const ALLOWING_DEFAULTS: ReadonlySet<LinuxSeccompAction> = new Set(['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE']);

/**
 * As runc: syscalls newer than every one the profile names (per listed
 * architecture) get ENOSYS, not the default action (src/seccomp/enosys.ts).
 */
function enosysPrefix(cfg: LinuxSeccomp, warn: (msg: string) => void): Uint8Array {
  if (ALLOWING_DEFAULTS.has(cfg.defaultAction) || cfg.defaultErrnoRet === ENOSYS) return new Uint8Array(0);
  const lib = libseccomp();
  const archs = cfg.architectures ?? [];
  const tokens = archs.map((a) => lib.archResolveName((ARCH_NAMES as Record<string, string | undefined>)[a] ?? ''));
  const names = (cfg.syscalls ?? []).flatMap((c) => c.names);
  const limits = archLimits(tokens.filter((t) => t !== 0), names, (t, n) => lib.syscallResolveNameArch(t, n), (t) => {
    warn(`${P}/architectures: no syscall of the profile is known on ${archs[tokens.indexOf(t)]}: no ENOSYS for unknown syscalls there`);
  });
  return enosysStub(limits, endianness() === 'LE');
}

function resolveAction(action: LinuxSeccompAction, errnoRet: number | undefined, actionAt: string, errnoAt: string): number {
  if (errnoRet !== undefined && !ACTIONS_WITH_ERRNO.has(action)) {
    throw configError(errnoAt, `${action} does not take an errno (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do)`);
  }
  const value = actionValue(action, errnoRet);
  if (value === undefined) throw configError(actionAt, `unknown action "${action}"`);
  return value;
}

/**
 * The comparisons of one rule, as the list of rules libseccomp gets. Like
 * runc: all in one rule (ANDed) unless two test the same argument, then one
 * rule per comparison (ORed), as runc did before libseccomp could AND them.
 */
function conditionSets(args: LinuxSeccompArg[], at: string): ArgCmp[][] {
  if (args.length === 0) return [[]];
  const cmps = args.map((a, k) => {
    if (!Number.isInteger(a.index) || a.index < 0 || a.index >= MAX_SYSCALL_ARGS) {
      throw configError(`${at}/${k}/index`, `must be 0 to ${MAX_SYSCALL_ARGS - 1}, not ${a.index}`);
    }
    const op = OPERATORS[a.op];
    if (op === undefined) throw configError(`${at}/${k}/op`, `unknown operator "${a.op}"`);
    return { arg: a.index, op, datumA: datum(a.value, `${at}/${k}/value`), datumB: datum(a.valueTwo ?? 0, `${at}/${k}/valueTwo`) };
  });
  const indexes = new Set(cmps.map((c) => c.arg));
  return indexes.size === cmps.length ? [cmps] : cmps.map((c) => [c]);
}

/** A u64 argument value. JSON numbers above 2^53 have already lost digits, so they are refused rather than rounded. */
function datum(value: number | bigint, at: string): bigint {
  if (typeof value === 'bigint') {
    if (value < 0n || value >= 1n << 64n) throw configError(at, `must be an unsigned 64-bit integer, not ${value}`);
    return value;
  }
  if (!Number.isInteger(value) || value < 0) throw configError(at, `must be an unsigned integer, not ${value}`);
  if (!Number.isSafeInteger(value)) throw configError(at, `${value} is above 2^53 and cannot be read exactly from JSON`);
  return BigInt(value);
}

function addArchitectures(ctx: FilterCtx, archs: string[]): void {
  const lib = libseccomp();
  archs.forEach((arch, i) => {
    const at = `${P}/architectures/${i}`;
    const name = (ARCH_NAMES as Record<string, string | undefined>)[arch];
    if (!name) throw configError(at, `unknown architecture "${arch}"`);
    const token = lib.archResolveName(name);
    if (token === 0) throw configError(at, `architecture "${arch}" is not supported by this libseccomp`);
    const rc = lib.archAdd(ctx, token);
    // The native architecture is always in the filter, and the list may repeat itself.
    if (rc < 0 && rc !== -EEXIST) throw configError(at, `cannot add architecture "${arch}": ${reason(rc)}`);
  });
}

/**
 * The flags for seccomp(2). libseccomp's matching attributes are set too:
 * they do not change the exported program, but they fail when libseccomp or
 * the kernel lacks the feature, which is what runc reports.
 */
function setFlags(ctx: FilterCtx, list: LinuxSeccompFlag[] | undefined, hasNotify: boolean, warn: (msg: string) => void): number {
  const lib = libseccomp();
  const api = lib.apiGet();
  // runc: no "flags" at all (not even []) means SPEC_ALLOW when it is available.
  if (list === undefined) return api >= API_SSB ? SECCOMP_FILTER_FLAG_SPEC_ALLOW : 0;
  let flags = 0;
  list.forEach((flag, i) => {
    const at = `${P}/flags/${i}`;
    const needs = (attr: number, level: number) => {
      if (api < level || lib.attrSet(ctx, attr, 1) < 0) throw configError(at, `${flag} is not supported by libseccomp or the kernel`);
    };
    switch (flag) {
      case 'SECCOMP_FILTER_FLAG_TSYNC':
        // The stub is single-threaded when it loads the filter; runc ignores it too.
        break;
      case 'SECCOMP_FILTER_FLAG_LOG':
        needs(SCMP_FLTATR_CTL_LOG, API_LOG);
        flags |= SECCOMP_FILTER_FLAG_LOG;
        break;
      case 'SECCOMP_FILTER_FLAG_SPEC_ALLOW':
        needs(SCMP_FLTATR_CTL_SSB, API_SSB);
        flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
        break;
      case 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV':
        // Only means something for a notify listener; the kernel refuses it without one.
        if (hasNotify) flags |= SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
        else warn(`config.json: ${at}: ${flag} ignored without SCMP_ACT_NOTIFY rules`);
        break;
      default:
        throw configError(at, `unknown flag "${String(flag)}"`);
    }
  });
  return flags;
}

function reason(negErrno: number): string {
  return errnoText(errnoName(-negErrno));
}
