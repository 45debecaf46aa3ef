import { fail } from './errors.js';

/** Case-insensitive comparison of names people type (keys, environments). */
export const caseKeyOf = (value: string): string => value.normalize('NFC').toLowerCase();

/**
 * What no name or label may hold, whatever the field: control characters (C0, DEL, C1: NUL,
 * newlines, escapes), the line and paragraph separators, bidirectional embedding, override and
 * isolate controls (they make "LOCK Contoso" display as something else in a lock challenge or
 * an e-mail), noncharacters (U+FDD0–U+FDEF, U+xFFFE, U+xFFFF) and lone surrogates (not text at
 * all: they cannot be encoded as UTF-8, so certificates, e-mails and other tools choke on them).
 * A regular-expression class for the `u` flag, which JSON Schema patterns use (Ajv's default).
 */
const FORBIDDEN = '\\p{Cc}\\p{Cs}\\p{Zl}\\p{Zp}\\p{Noncharacter_Code_Point}\\u202A-\\u202E\\u2066-\\u2069';

/** A JSON Schema pattern for names: only allowed characters, at least one of them not a space. */
export const NAME_PATTERN = `^[^${FORBIDDEN}]*[^${FORBIDDEN}\\s][^${FORBIDDEN}]*$`;
/** A JSON Schema pattern for free-text labels (may be empty or blank). */
export const LABEL_PATTERN = `^[^${FORBIDDEN}]*$`;

const FORBIDDEN_CHARACTER = new RegExp(`[${FORBIDDEN}]`, 'u');

/** Whether `value` is text a person could type and every tool can carry (see FORBIDDEN). */
export function isPrintableText(value: string): boolean {
  return !FORBIDDEN_CHARACTER.test(value);
}

/** Guard for names and labels that reach the domain by any edge, not only the HTTP schemas. */
export function assertPrintableName(value: string, what: string): void {
  if (typeof value !== 'string' || !isPrintableText(value)) {
    fail('VALIDATION_FAILED', `The ${what} holds control characters, noncharacters or invalid UTF-16; use printable text.`);
  }
}
