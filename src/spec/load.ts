// Reads and checks a bundle's config.json: syntax, schema, then what tsrunc does not
// implement yet. Every failure is a UserError whose lines name the file and field.
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError, describeSystemError } from '../errors.js';
import type { Spec } from './config.js';
import { describeJsonError, lineAndColumn } from './json-error.js';
import { checkSupported } from './unsupported.js';
import { checkSpec } from './validate.js';

export interface BundleConfig {
  spec: Spec;
  /** Absolute path of the bundle directory. */
  bundle: string;
}

export function loadBundleConfig(bundleDir: string): BundleConfig {
  const bundle = resolve(bundleDir);
  let isDir: boolean;
  try {
    isDir = statSync(bundle).isDirectory();
  } catch (err) {
    throw new UserError(describeSystemError(`bundle ${bundle}`, err));
  }
  if (!isDir) throw new UserError(`bundle ${bundle}: not a directory`);
  const path = join(bundle, 'config.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(describeSystemError(path, err));
  }
  return { spec: parseConfig(text), bundle };
}

/** Parses and checks config.json text; the file name in messages is "config.json". */
export function parseConfig(text: string, file = 'config.json'): Spec {
  const doc = parseJson(text, file);
  const problems = withinDepth(text, file, () => checkSpec(doc, file));
  if (problems.length > 0) throw new UserError(problems.join('\n'));
  const spec = doc as Spec;
  const unsupported = checkSupported(spec, file);
  if (unsupported.length > 0) throw new UserError(unsupported.join('\n'));
  return spec;
}

/** JSON.parse with "<file>: invalid JSON at line L, column C: <reason>" on failure. */
export function parseJson(text: string, file: string): unknown {
  // A byte order mark is not JSON, but editors add one; say nothing and skip it.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (err) {
    if (err instanceof RangeError) throw tooDeep(body, file);
    let where: string;
    try {
      where = describeJsonError(body);
    } catch (scanErr) {
      // the scanner recurses per level too
      if (scanErr instanceof RangeError) throw tooDeep(body, file);
      throw scanErr;
    }
    throw new UserError(`${file}: invalid JSON at ${where}`);
  }
}

/** Runs a check that recurses per level of doc (the validator): a pathological nesting gets tooDeep's message. */
export function withinDepth<T>(text: string, file: string, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof RangeError) throw tooDeep(text, file);
    throw err;
  }
}

/** Far deeper than any config: runtime-spec's own nesting is a handful of levels. */
const MAX_DEPTH = 1000;

/** "<file>: nested too deeply (more than N levels) at line L, column C", found without recursion. */
function tooDeep(text: string, file: string): UserError {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') {
      if (++depth > MAX_DEPTH) {
        const { line, column } = lineAndColumn(text, i);
        return new UserError(`${file}: nested too deeply (more than ${MAX_DEPTH} levels of arrays and objects) at line ${line}, column ${column}`);
      }
    } else if (ch === ']' || ch === '}') depth--;
  }
  return new UserError(`${file}: nested too deeply to check`);
}
