// Validates config.json (and the lone objects exec and update read) against schemas/,
// using the validator ajv generated at dev time (scripts/gen-validator.mjs), then checks
// the spec's MUSTs that a JSON Schema cannot say (no duplicate namespace or rlimit types).
import type { ErrorObject } from 'ajv';
import type { Process, Spec } from './config.js';
import { formatSchemaErrors } from './messages.js';
import * as generated from './validate-config.generated.js';

interface GeneratedValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

const validators = generated as unknown as Record<
  'validateConfig' | 'validateProcess' | 'validateResources',
  GeneratedValidator
>;

function run(validate: GeneratedValidator, file: string, doc: unknown): string[] {
  if (validate(doc)) return [];
  return formatSchemaErrors(file, validate.errors ?? [], doc);
}

/** Problems with a whole config, one "config.json: <pointer>: <message>" line each; empty when valid. */
export function checkSpec(doc: unknown, file = 'config.json'): string[] {
  const problems = run(validators.validateConfig, file, doc);
  if (problems.length > 0) return problems;
  const spec = doc as Spec;
  return [
    ...duplicates(file, '/linux/namespaces', spec.linux?.namespaces?.map((n) => n.type), 'namespace type'),
    ...duplicates(file, '/process/rlimits', spec.process?.rlimits?.map((r) => r.type), 'rlimit'),
  ];
}

/** Problems with a lone process object (exec --process). */
export function checkProcess(doc: unknown, file: string): string[] {
  const problems = run(validators.validateProcess, file, doc);
  if (problems.length > 0) return problems;
  return duplicates(file, '/rlimits', (doc as Process).rlimits?.map((r) => r.type), 'rlimit');
}

/** Problems with a lone resources object (update --resources). */
export function checkResources(doc: unknown, file: string): string[] {
  return run(validators.validateResources, file, doc);
}

function duplicates(file: string, base: string, types: string[] | undefined, what: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  types?.forEach((t, i) => {
    if (seen.has(t)) out.push(`${file}: ${base}/${i}/type: duplicate ${what} "${t}"`);
    seen.add(t);
  });
  return out;
}
