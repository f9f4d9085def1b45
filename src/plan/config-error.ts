// Errors about config.json that the schema cannot catch, named by JSON pointer.
import { UserError } from '../errors.js';

/** `config.json: /mounts/3/options/1: unknown mount option "foo"` */
export function configError(pointer: string, message: string): UserError {
  return new UserError(`config.json: ${pointer}: ${message}`);
}

/** Escapes one reference token of a JSON pointer (RFC 6901), e.g. a sysctl key. */
export function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
