/**
 * The one CLI file that reads the process environment (eslint allows `process.env` only here and
 * in src/main/config.ts): the CLI's settings are few and all optional, so no schema library.
 */
export interface CliEnv {
  /** KEYWARD_URL: the server, as `--url`. */
  url: string | undefined;
  /** KEYWARD_TOKEN: the bearer token, as `--token` (preferred over the flag: not in `ps` output). */
  token: string | undefined;
  /** KEYWARD_TOKEN_FILE: a file holding the token, as `--token-file`. */
  tokenFile: string | undefined;
  /** KEYWARD_TENANT: the tenant id most commands work in, as `--tenant`. */
  tenant: string | undefined;
}

/** The server `npm start` listens on by default (API.md "Starting the server"). */
export const DEFAULT_URL = 'http://127.0.0.1:8080';

const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value);

export function readCliEnv(env: NodeJS.ProcessEnv = process.env): CliEnv {
  return {
    url: nonEmpty(env.KEYWARD_URL),
    token: nonEmpty(env.KEYWARD_TOKEN),
    tokenFile: nonEmpty(env.KEYWARD_TOKEN_FILE),
    tenant: nonEmpty(env.KEYWARD_TENANT),
  };
}
