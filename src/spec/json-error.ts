// Describes why JSON.parse rejected a text as "line L, column C: <reason>".
// V8 reports a position for most syntax errors but not all ("Unexpected token 'x', "..."
// is not valid JSON"), and its wording changes between Node versions, so a small scanner
// walks the text (only after JSON.parse has failed) to find the offset and the reason.

export function describeJsonError(text: string): string {
  const found = scanForError(text);
  const { line, column } = lineAndColumn(text, found.offset);
  return `line ${line}, column ${column}: ${found.reason}`;
}

/** 1-based line and column of a 0-based offset (column counts UTF-16 code units). */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

interface SyntaxProblem {
  offset: number;
  reason: string;
}

class Fail {
  constructor(readonly problem: SyntaxProblem) {}
}

/** Finds the first syntax error in text (which JSON.parse has already rejected). */
export function scanForError(text: string): SyntaxProblem {
  let i = 0;
  const fail = (reason: string): never => {
    throw new Fail({ offset: i, reason });
  };
  const unexpected = (): never =>
    i >= text.length ? fail('unexpected end of input') : fail(`unexpected character ${JSON.stringify(text[i])}`);
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const expect = (ch: string, what: string) => {
    ws();
    if (text[i] !== ch) fail(i >= text.length ? 'unexpected end of input' : `expected ${what}`);
    i++;
  };
  const string = () => {
    i++; // opening quote
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) fail('control character in string');
      if (c === 0x5c) {
        i++;
        const e = text[i];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('bad \\u escape in string');
          i += 4;
        } else if (e === undefined || !'"\\/bfnrt'.includes(e)) fail('bad escape in string');
      }
      i++;
    }
    i++;
  };
  const number = () => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i));
    if (!m) fail('bad number');
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail(i >= text.length ? 'unexpected end of input' : 'expected a double-quoted property name');
        string();
        expect(':', "':' after property name");
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        expect('}', "',' or '}' after property value");
        return;
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        expect(']', "',' or ']' after array element");
        return;
      }
    }
    if (c === '"') return string();
    if (c === '-' || (c >= '0' && c <= '9')) return number();
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return;
      }
    }
    // Point at the first character that diverges from a literal, e.g. the "\n" in "tru\n".
    for (const lit of ['true', 'false', 'null']) {
      if (c === lit[0]) {
        let k = 0;
        while (text[i + k] === lit[k]) k++;
        i += k;
        return unexpected();
      }
    }
    unexpected();
  };
  try {
    value();
    ws();
    if (i < text.length) fail('unexpected data after the JSON value');
  } catch (e) {
    if (e instanceof Fail) return e.problem;
    throw e;
  }
  return { offset: i, reason: 'invalid JSON' };
}
