/** Case-insensitive comparison of names people type (keys, environments). */
export const caseKeyOf = (value: string): string => value.normalize('NFC').toLowerCase();
