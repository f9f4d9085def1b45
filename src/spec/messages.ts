// Turns ajv's validation errors into one readable line per problem:
// "<file>: <JSON pointer>: <message>". The offending value is read back from the
// document itself, so messages can quote it.
import type { ErrorObject } from 'ajv';

/** Enum values too many to list: the message names what kind of thing was expected instead. */
const ENUM_NOUNS: [RegExp, string][] = [
  [/^\/process\/rlimits\/\d+\/type$/, 'rlimit'],
  [/^\/process\/scheduler\/policy$/, 'scheduler policy'],
  [/^\/process\/scheduler\/flags\/\d+$/, 'scheduler flag'],
  [/\/seccomp\/(defaultAction|syscalls\/\d+\/action)$/, 'seccomp action'],
  [/\/seccomp\/architectures\/\d+$/, 'seccomp architecture'],
  [/\/seccomp\/flags\/\d+$/, 'seccomp flag'],
  [/\/seccomp\/syscalls\/\d+\/args\/\d+\/op$/, 'seccomp operator'],
  [/\/memoryPolicy\/mode$/, 'memory policy mode'],
  [/\/memoryPolicy\/flags\/\d+$/, 'memory policy flag'],
];

/** Messages for the schemas' patterns, keyed by the pattern itself. */
const PATTERN_MESSAGES: Record<string, (value: string) => string> = {
  '^1\\.[0-3]\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$': (v) =>
    `${quote(v)} is not a supported version (tsrunc accepts 1.0.x through 1.3.x)`,
  '^/': (v) => `${quote(v)} is not an absolute path`,
  '^[1-9][0-9]*[KMGTPE]?B$': (v) => `${quote(v)} is not a page size like 2MB or 1GB`,
  '^MB:[^\\n]*$': (v) => `${quote(v)} must start with MB: and hold no newline`,
  '^[^\\n]*$': () => 'must not contain a newline',
};

/** Objects whose "required" failure is really "at least one of these", expressed with if/then. */
const AT_LEAST_ONE: [RegExp, string][] = [[/^\/linux\/resources\/rdma\/[^/]+$/, 'must set hcaHandles or hcaObjects']];

export function formatSchemaErrors(file: string, errors: readonly ErrorObject[], doc: unknown): string[] {
  const lines: string[] = [];
  for (const e of collapseAlternatives(errors)) {
    const line = formatOne(e, doc);
    if (!line) continue;
    const text = line.pointer ? `${file}: ${line.pointer}: ${line.message}` : `${file}: ${line.message}`;
    if (!lines.includes(text)) lines.push(text);
  }
  return lines;
}

/**
 * anyOf/oneOf report every failed branch and then themselves; keep only the most
 * specific branch error (deepest pointer), which is usually the one the author meant.
 */
function collapseAlternatives(errors: readonly ErrorObject[]): ErrorObject[] {
  const out: ErrorObject[] = [];
  for (const e of errors) {
    if (e.keyword !== 'anyOf' && e.keyword !== 'oneOf') {
      out.push(e);
      continue;
    }
    const branch = (x: ErrorObject) =>
      x.schemaPath.startsWith(e.schemaPath + '/') && x.instancePath.startsWith(e.instancePath);
    const branches = out.filter(branch);
    if (branches.length === 0) {
      out.push(e);
      continue;
    }
    const best = branches.reduce((a, b) => (b.instancePath.length > a.instancePath.length ? b : a));
    out.splice(0, out.length, ...out.filter((x) => !branch(x)), best);
  }
  return out;
}

function formatOne(e: ErrorObject, doc: unknown): { pointer: string; message: string } | undefined {
  const here = e.instancePath;
  const p = e.params as Record<string, unknown>;
  // Errors inside propertyNames are about a key, not a value.
  if (e.keyword === 'propertyNames') return undefined;
  if (typeof e.propertyName === 'string') {
    const pointer = `${here}/${escapePointer(e.propertyName)}`;
    if (e.keyword === 'enum') return { pointer, message: `name must be one of ${listValues(p.allowedValues)}` };
    if (e.keyword === 'minLength') return { pointer, message: 'name must not be empty' };
    return { pointer, message: `name ${e.message ?? 'is invalid'}` };
  }
  // "if" only says "must match then"; the "then" error itself names the field.
  if (e.keyword === 'if') return undefined;
  const value = valueAt(doc, here);
  switch (e.keyword) {
    case 'required': {
      const missing = String(p.missingProperty);
      const atLeastOne = AT_LEAST_ONE.find(([re]) => re.test(here));
      if (atLeastOne) return { pointer: here, message: atLeastOne[1] };
      return { pointer: `${here}/${escapePointer(missing)}`, message: 'is required' };
    }
    case 'dependencies':
    case 'dependentRequired':
      return {
        pointer: `${here}/${escapePointer(String(p.missingProperty))}`,
        message: `is required when ${String(p.property)} is set`,
      };
    case 'type':
      return { pointer: here, message: `must be ${article(String(p.type))}, got ${describe(value)}` };
    case 'enum': {
      const noun = ENUM_NOUNS.find(([re]) => re.test(here));
      if (noun) return { pointer: here, message: `${quote(value)} is not a known ${noun[1]}` };
      return { pointer: here, message: `must be one of ${listValues(p.allowedValues)}` };
    }
    case 'minItems':
      return { pointer: here, message: p.limit === 1 ? 'must not be empty' : `must have at least ${p.limit} entries` };
    case 'minLength':
      return { pointer: here, message: p.limit === 1 ? 'must not be empty' : `must be at least ${p.limit} characters` };
    case 'minimum':
      return { pointer: here, message: `must be at least ${p.limit}, got ${describe(value)}` };
    case 'maximum':
      return { pointer: here, message: `must be at most ${p.limit}, got ${describe(value)}` };
    case 'exclusiveMinimum':
      return { pointer: here, message: `must be greater than ${p.limit}, got ${describe(value)}` };
    case 'exclusiveMaximum':
      return { pointer: here, message: `must be less than ${p.limit}, got ${describe(value)}` };
    case 'pattern': {
      const known = PATTERN_MESSAGES[String(p.pattern)];
      const s = String(value);
      return { pointer: here, message: known ? known(s) : `${quote(s)} must match ${String(p.pattern)}` };
    }
    default:
      return { pointer: here, message: e.message ?? `fails ${e.keyword}` };
  }
}

function article(type: string): string {
  // ajv reports "integer,null"-style lists for multi-type schemas
  const first = type.split(',')[0];
  return (/^[aeiou]/.test(first) ? 'an ' : 'a ') + type.replace(/,/g, ' or ');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return quote(value);
  return String(value);
}

function quote(value: unknown): string {
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 60 ? s.slice(0, 57) + '..."' : s;
}

function listValues(values: unknown): string {
  if (!Array.isArray(values)) return '';
  return values.map((v) => (typeof v === 'string' && v !== '' ? v : JSON.stringify(v))).join(', ');
}

export function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The value at a JSON pointer ("" is the document), or undefined. */
export function valueAt(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let cur: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}
