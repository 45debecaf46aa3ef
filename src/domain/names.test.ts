import { describe, expect, it } from 'vitest';
import { isKeywardError } from './errors.js';
import { assertPrintableName, isPrintableText, LABEL_PATTERN, NAME_PATTERN } from './names.js';

const name = new RegExp(NAME_PATTERN, 'u');
const label = new RegExp(LABEL_PATTERN, 'u');

const GOOD = ['Contoso', 'Fourth Coffee', 'Zürich 2', '東京', 'emoji 😀 ok', 'a\u200db', "O'Brien & Co."];
const BAD = [
  '\u0000',
  'a\u0000b',
  '\uffff',
  '\ufffe',
  '\ufdd0',
  '\u{1fffe}',
  '\ud800',
  'x\udc00',
  '\udc00\ud800',
  'tab\there',
  'line\nbreak',
  '\u0085',
  '\u2028',
  '\u202e',
  '\u2066',
  '\u007f',
];

describe('names and labels', () => {
  it.each(GOOD)('accepts %j', (value) => {
    expect(isPrintableText(value)).toBe(true);
    expect(name.test(value)).toBe(true);
    expect(label.test(value)).toBe(true);
  });

  it.each(BAD)('refuses %j', (value) => {
    expect(isPrintableText(value)).toBe(false);
    expect(name.test(value)).toBe(false);
    expect(label.test(value)).toBe(false);
    try {
      assertPrintableName(value, 'key name');
      expect.unreachable();
    } catch (error) {
      expect(isKeywardError(error) && error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('a name needs a visible character; a label may be blank', () => {
    expect(name.test('   ')).toBe(false);
    expect(name.test('')).toBe(false);
    expect(label.test('')).toBe(true);
    expect(label.test('  ')).toBe(true);
  });
});
