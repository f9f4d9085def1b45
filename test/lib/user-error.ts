// Expecting a UserError (one line for the user) from a call, in tests.
import * as assert from 'uvu/assert';
import { UserError } from '../../src/errors.js';

/** The message of the UserError f throws; any other error, or none, fails the test. */
export function userErrorMessage(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    if (err instanceof UserError) return err.message;
    throw err;
  }
  throw new Error('expected a UserError');
}

/** f throws a UserError whose message matches pattern. */
export function assertUserError(f: () => unknown, pattern: RegExp): void {
  assert.match(userErrorMessage(f), pattern);
}
