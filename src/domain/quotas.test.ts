import { describe, expect, it } from 'vitest';
import { isKeywardError } from './errors.js';
import { assertWithinQuota, type Quotas } from './quotas.js';

const quotas: Quotas = { environmentsPerTenant: 3, tablesPerEnvironment: 10, backupsPerEnvironment: 1 };

describe('quotas', () => {
  it('allows making one more while under the limit', () => {
    expect(() => assertWithinQuota(quotas, 'environmentsPerTenant', 2)).not.toThrow();
  });

  it('refuses at the limit with CONFLICT naming it', () => {
    try {
      assertWithinQuota(quotas, 'backupsPerEnvironment', 1);
      expect.unreachable();
    } catch (error) {
      expect(isKeywardError(error) && [error.code, error.detail]).toEqual([
        'CONFLICT',
        'The environment has 1 backups, the most allowed (limit: 1 backups per environment); reset the environment or ask the operator for a higher limit.',
      ]);
    }
  });
});
