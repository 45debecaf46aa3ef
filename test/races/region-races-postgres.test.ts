import { describe, it } from 'vitest';
import { postgresUnreachable } from '../support/postgres.js';
import { regionRaces } from './region-races.js';

// Two instances on one PostgreSQL: six kinds of race, RACES_PER_KIND each (36 by default: 216).
const unreachable = await postgresUnreachable();
if (unreachable === undefined) regionRaces('PostgreSQL, two instances', 'postgres', Number(process.env.RACES_PER_KIND ?? 36));
else if (process.env.CI) {
  describe('region races on PostgreSQL', () => {
    it('needs PostgreSQL', () => {
      throw new Error(`PostgreSQL is required in CI: ${unreachable}`);
    });
  });
} else describe.skip(`region races on PostgreSQL (unreachable: ${unreachable})`, () => undefined);
