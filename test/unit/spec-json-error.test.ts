// Locating JSON syntax errors: the scanner must agree with JSON.parse on what is valid.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeJsonError, lineAndColumn, scanForError } from '../../src/spec/json-error.js';

test('line and column are 1-based', () => {
  assert.equal(lineAndColumn('ab\ncd', 0), { line: 1, column: 1 });
  assert.equal(lineAndColumn('ab\ncd', 4), { line: 2, column: 2 });
  assert.equal(lineAndColumn('ab\n', 3), { line: 2, column: 1 });
});

test('valid JSON scans to the end without a problem offset inside it', () => {
  const valid = '{"a": [1, -2.5e+3, 0, true, false, null, "s\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9"], "b": {}, "c": []}';
  JSON.parse(valid);
  assert.equal(scanForError(valid), { offset: valid.length, reason: 'invalid JSON' });
});

test('reasons and positions', () => {
  const cases: [string, string][] = [
    ['{"a": 01}', "line 1, column 8: expected ',' or '}' after property value"],
    ['{"a": .5}', 'line 1, column 7: unexpected character "."'],
    ['{"a": "x\ny"}', 'line 1, column 9: control character in string'],
    ['{"a": "\\q"}', 'line 1, column 9: bad escape in string'],
    ['{"a": "\\u12g4"}', 'line 1, column 9: bad \\u escape in string'],
    ['{"a": "abc', 'line 1, column 11: unterminated string'],
    ['\n\n  nul', 'line 3, column 6: unexpected end of input'],
    ['{"a": -}', 'line 1, column 7: bad number'],
  ];
  for (const [text, expected] of cases) {
    assert.throws(() => JSON.parse(text));
    assert.is(describeJsonError(text), expected, JSON.stringify(text));
  }
});

test.run();
