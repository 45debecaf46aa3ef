import { randomBytes } from 'node:crypto';
import type { Ids } from '../ports/ids.js';

/** 128 random bits, base32-like lowercase so ids are safe in paths and file names. */
export const randomIds: Ids = {
  next(prefix: string): string {
    return `${prefix}_${randomBytes(16).toString('hex')}`;
  },
};
