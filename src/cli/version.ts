// `tsrunc --version`: runc's lines in runc's order (Docker's `info` reads
// "commit:"); "runtime:" stands where runc has "go:", naming the build (Node,
// or Bun's self-contained binary).
import { BUILD_INFO } from '../build-info.js';
import { hostRuntime } from '../linux/host-runtime.js';
import { libseccompVersion } from '../seccomp/libseccomp.js';

export const SPEC_VERSION = '1.3.0';

export function versionText(): string {
  return [
    `tsrunc version ${BUILD_INFO.version}`,
    `commit: ${BUILD_INFO.commit}`,
    `spec: ${SPEC_VERSION}`,
    `runtime: ${hostRuntime().name}`,
    `libseccomp: ${libseccompVersion()}`,
    '',
  ].join('\n');
}
