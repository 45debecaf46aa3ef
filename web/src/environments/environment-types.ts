import type { Environment, EnvironmentType, Key } from '../api/types';

/** The environment types of API.md, checked against the generated schema. */
export const ENVIRONMENT_TYPES = ['production', 'sandbox', 'trial', 'developer', 'support'] as const satisfies readonly EnvironmentType[];

export const TYPE_LABEL: Record<EnvironmentType, string> = {
  production: 'Production',
  sandbox: 'Sandbox',
  trial: 'Trial',
  developer: 'Developer',
  support: 'Support investigation',
};

/** The key protecting an environment, as people know it: its name (and short thumbprint). */
export function keyLabel(env: Environment, keys: Key[] | undefined): string {
  if (env.encryption.mode === 'provider' || !env.encryption.keyId) return 'Provider key';
  const key = keys?.find((k) => k.id === env.encryption.keyId);
  return key ? key.name : env.encryption.keyId;
}

/** States where the environment is mid-change: pages keep re-reading until it settles. */
export const isTransitional = (env: Environment): boolean => ['updating', 'locking', 'unlocking'].includes(env.encryption.status);
