// What this build is, for `tsrunc --version` and `features`. The build
// (scripts/build.mjs) replaces TSRUNC_BUILD_INFO with a literal: the installed
// binary has no checkout or package.json to read at run time.
export interface BuildInfo {
  /** package.json's version */
  version: string;
  /** `git describe --always --dirty` of the tree that was built, or "unknown" */
  commit: string;
}

declare const TSRUNC_BUILD_INFO: BuildInfo | undefined;

export const BUILD_INFO: BuildInfo =
  typeof TSRUNC_BUILD_INFO === 'undefined' ? { version: 'unknown', commit: 'unknown' } : TSRUNC_BUILD_INFO;
