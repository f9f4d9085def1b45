// Formatting of ajv errors that the committed schemas do not produce today
// (anyOf/oneOf collapse, unknown keywords), using ajv error objects built by hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ErrorObject } from 'ajv';
import { escapePointer, formatSchemaErrors, valueAt } from '../../src/spec/messages.js';

const err = (instancePath: string, schemaPath: string, keyword: string, params: Record<string, unknown>, message?: string): ErrorObject => ({
  instancePath,
  schemaPath,
  keyword,
  params,
  message,
});

test('anyOf/oneOf collapse to the most specific branch error', () => {
  const doc = { linux: { thing: { size: 'big' } } };
  const errors = [
    err('/linux/thing', '#/properties/thing/anyOf/0/required', 'required', { missingProperty: 'path' }),
    err('/linux/thing/size', '#/properties/thing/anyOf/1/properties/size/type', 'type', { type: 'integer' }),
    err('/linux/thing', '#/properties/thing/anyOf', 'anyOf', {}, 'must match a schema in anyOf'),
  ];
  assert.equal(formatSchemaErrors('config.json', errors, doc), ['config.json: /linux/thing/size: must be an integer, got "big"']);
  const one = [
    err('/x', '#/oneOf/0/type', 'type', { type: 'string' }),
    err('/x', '#/oneOf/1/type', 'type', { type: 'array' }),
    err('/x', '#/oneOf', 'oneOf', { passingSchemas: null }, 'must match exactly one schema in oneOf'),
  ];
  assert.equal(formatSchemaErrors('f', one, { x: 1 }), ['f: /x: must be a string, got 1']);
});

test('errors outside the alternative are kept', () => {
  const errors = [
    err('/a', '#/properties/a/type', 'type', { type: 'string' }),
    err('/b', '#/properties/b/anyOf', 'anyOf', {}, 'must match a schema in anyOf'),
  ];
  assert.equal(formatSchemaErrors('f', errors, { a: 1, b: 2 }), ['f: /a: must be a string, got 1', 'f: /b: must match a schema in anyOf']);
});

test('identical lines are reported once', () => {
  const e = err('/a', '#/properties/a/type', 'type', { type: 'string' });
  assert.equal(formatSchemaErrors('f', [e, e], { a: null }), ['f: /a: must be a string, got null']);
});

test('pointers: escape and resolve', () => {
  assert.is(escapePointer('a/b~c'), 'a~1b~0c');
  assert.is(valueAt({ 'a/b~c': [0, { x: 5 }] }, '/a~1b~0c/1/x'), 5);
  assert.is(valueAt({ a: 1 }, '/a/b'), undefined);
  assert.equal(valueAt([1], ''), [1]);
});

test.run();
