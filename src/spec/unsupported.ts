// Config fields that are valid per the spec but that tsrunc does not implement yet.
// Refusing them beats silently running a container without what was asked for.
// When a feature lands, delete its line.
import type { Spec } from './config.js';

/** Returns the JSON pointers of the unsupported parts a config uses. */
type Finder = (spec: Spec) => string[];

/** Set (anything but undefined, or an empty string where that means "unset"). */
const set = (pointer: string, get: (spec: Spec) => unknown): Finder => (spec) => {
  const v = get(spec);
  return v === undefined || v === '' ? [] : [pointer];
};

// Empty since linux.intelRdt landed; the next unimplemented field goes here as set(pointer, getter).
export const UNSUPPORTED: Finder[] = [];

/** One "config.json: <pointer>: not supported by tsrunc" line per unsupported part in use. */
export function checkSupported(spec: Spec, file = 'config.json'): string[] {
  return UNSUPPORTED.flatMap((find) => find(spec)).map((p) => `${file}: ${p}: not supported by tsrunc`);
}
