import { resolve } from 'node:path';
import { z } from 'zod';
import { FAULT_POINTS, type FaultPoint } from '../ports/fault-points.js';
import type { Quotas } from '../domain/quotas.js';

/**
 * The one place that reads the environment. Parsed once; each part gets its slice.
 * Secrets (operator token, PKCS#11 PIN) have no defaults.
 */
const flag = z
  .enum(['1', '0', 'true', 'false', ''])
  .optional()
  .transform((v) => v === '1' || v === 'true');

const schema = z.object({
  KEYWARD_HOST: z.string().min(1).default('127.0.0.1'),
  KEYWARD_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  KEYWARD_DATA_DIR: z.string().min(1).default('./data'),
  KEYWARD_OPERATOR_TOKEN: z
    .string()
    .regex(/^[A-Za-z0-9_\-.~+/=]{16,256}$/, 'must be 16 to 256 token characters')
    .optional(),
  KEYWARD_DEV_CLOCK: flag,
  KEYWARD_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  KEYWARD_DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .optional(),
  KEYWARD_MASTER_KEY_FILE: z.string().min(1).optional(),
  KEYWARD_VAULT: z.enum(['software', 'pkcs11']).default('software'),
  KEYWARD_PKCS11_MODULE: z.string().min(1).optional(),
  KEYWARD_PKCS11_TOKEN_LABEL: z.string().min(1).max(32).optional(),
  KEYWARD_PKCS11_PIN: z.string().min(1).max(256).optional(),
  KEYWARD_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KEYWARD_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(256 * 1024 * 1024)
    .default(8 * 1024 * 1024),
  KEYWARD_OPEN_ENVIRONMENTS: z.coerce.number().int().min(1).max(100_000).default(256),
  KEYWARD_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, 'must be smtp://host:port or smtps://host:port')
    .optional(),
  KEYWARD_MAIL_FROM: z.string().min(3).max(254).default('keyward@localhost'),
  KEYWARD_PFX_ITERATIONS: z.coerce.number().int().min(1).max(1_000_000).default(600_000),
  KEYWARD_INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/)
    .optional(),
  KEYWARD_OPERATION_LEASE_MS: z.coerce.number().int().min(500).max(3_600_000).default(30_000),
  KEYWARD_OPERATION_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(10),
  KEYWARD_LOCK_ROTATES_MASTER_KEY: z
    .enum(['1', '0', 'true', 'false'])
    .default('1')
    .transform((v) => v === '1' || v === 'true'),
  KEYWARD_CUSTODY_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  KEYWARD_PUBLIC_URL: z
    .string()
    .regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, 'must be an http:// or https:// URL without query or fragment')
    .optional(),
  KEYWARD_TLS_CERT_FILE: z.string().min(1).optional(),
  KEYWARD_TLS_KEY_FILE: z.string().min(1).optional(),
  KEYWARD_TEST_KILL_AT: z
    .string()
    .regex(/^[a-z-]+\.[a-z-]+(#[1-9][0-9]*)?$/, 'must be a fault point name, optionally with #n')
    .refine((v) => (FAULT_POINTS as readonly string[]).includes(v.split('#')[0]!), 'is not a known fault point')
    .optional(),
  // Fair share (SPEC F1-F3): the README's "Limits" section says what each of these bounds.
  KEYWARD_KEY_FILE_THREADS: z.coerce.number().int().min(1).max(256).optional(),
  KEYWARD_KEY_FILE_QUEUE_PER_TENANT: z.coerce.number().int().min(1).max(1_000).default(4),
  KEYWARD_PASSWORD_FAILURES_PER_CALLER: z.coerce.number().int().min(1).max(1_000_000).default(5),
  KEYWARD_PASSWORD_FAILURES_PER_TENANT: z.coerce.number().int().min(1).max(1_000_000).default(20),
  KEYWARD_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(100_000_000).default(6_000),
  KEYWARD_BAD_TOKENS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(20),
  KEYWARD_TRUST_PROXY: flag,
  KEYWARD_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
  KEYWARD_CONNECTION_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(300_000),
  KEYWARD_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  KEYWARD_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(1_024),
  KEYWARD_ROW_PAGE_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .max(256 * 1024 * 1024)
    .default(8 * 1024 * 1024),
  KEYWARD_MAX_ENVIRONMENTS_PER_TENANT: z.coerce.number().int().min(1).max(10_000_000).default(1_000),
  KEYWARD_MAX_TABLES_PER_ENVIRONMENT: z.coerce.number().int().min(1).max(100_000).default(500),
  KEYWARD_MAX_BACKUPS_PER_ENVIRONMENT: z.coerce.number().int().min(1).max(100_000).default(20),
});

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  operatorToken: string | undefined;
  devClock: boolean;
  database: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema?: string };
  masterKeyFile: { path: string; mayCreate: boolean };
  vault: { kind: 'software' } | { kind: 'pkcs11'; modulePath: string; tokenLabel: string; pin: string };
  logLevel: string;
  bodyLimitBytes: number;
  openEnvironments: number;
  mail: { smtpUrl: string | undefined; from: string };
  pfxIterations: number;
  /** Names this process in operation leases (defaults to host and pid). */
  instanceId: string | undefined;
  /** How long a crashed instance's operation waits before another instance takes it over. */
  operationLeaseMs: number;
  /** Runs of an operation that keep failing (or crashing) before it is given up. */
  operationMaxAttempts: number;
  /** PEM files of the certificate (chain) and private key to serve HTTPS with; undefined: plain HTTP. */
  tls: { certFile: string; keyFile: string } | undefined;
  /**
   * Where engines (and people) reach this server, for the engine token's `vaultUrl`: given, or
   * made of the scheme, host and port it listens on.
   */
  publicUrl: string;
  /** For the crash suite only: the fault point where this process kills itself (ports/fault-points.ts). */
  killAt: { point: FaultPoint; nth: number } | undefined;
  /** After how long (real time) a key custody whose request died is given back (SPEC L2). */
  custodyTimeoutMs: number;
  /** Whether a lock rotates the software vault's master key once the keys are destroyed. */
  lockRotatesMasterKey: boolean;
  /** Key-file worker threads (default: one per core) and each tenant's queue for them. */
  keyFiles: { threads: number | undefined; queuePerTenant: number };
  /** Wrong .pfx passwords allowed before backing off, per caller and per tenant (F2). */
  passwordFailures: { perCaller: number; perTenant: number };
  http: {
    /** Requests per minute per client address, all routes; 0 turns the ceiling off. */
    perMinute: number;
    /** Requests with an unknown token per minute per client address before 429. */
    badTokensPerMinute: number;
    /** Client addresses from X-Forwarded-For (behind a reverse proxy). */
    trustProxy: boolean;
    requestTimeoutMs: number;
    connectionTimeoutMs: number;
    keepAliveTimeoutMs: number;
    maxConnections: number;
  };
  /** Bytes of row data one page of rows carries at most (it stops early and gives the cursor). */
  rowPageBytes: number;
  quotas: Quotas;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const c = parsed.data;
  let vault: Config['vault'] = { kind: 'software' };
  if (c.KEYWARD_VAULT === 'pkcs11') {
    const missing = (['KEYWARD_PKCS11_MODULE', 'KEYWARD_PKCS11_TOKEN_LABEL', 'KEYWARD_PKCS11_PIN'] as const).filter((name) => !c[name]);
    if (missing.length > 0) throw new Error(`Invalid configuration:\n  KEYWARD_VAULT=pkcs11 needs ${missing.join(', ')}.`);
    vault = { kind: 'pkcs11', modulePath: c.KEYWARD_PKCS11_MODULE!, tokenLabel: c.KEYWARD_PKCS11_TOKEN_LABEL!, pin: c.KEYWARD_PKCS11_PIN! };
  }
  const dataDir = resolve(c.KEYWARD_DATA_DIR);
  if ((c.KEYWARD_TLS_CERT_FILE === undefined) !== (c.KEYWARD_TLS_KEY_FILE === undefined)) {
    throw new Error('Invalid configuration:\n  KEYWARD_TLS_CERT_FILE and KEYWARD_TLS_KEY_FILE go together: set both to serve HTTPS, or neither.');
  }
  const tls = c.KEYWARD_TLS_CERT_FILE ? { certFile: resolve(c.KEYWARD_TLS_CERT_FILE), keyFile: resolve(c.KEYWARD_TLS_KEY_FILE!) } : undefined;
  const listenHost = c.KEYWARD_HOST.includes(':') ? `[${c.KEYWARD_HOST}]` : c.KEYWARD_HOST;
  return {
    host: c.KEYWARD_HOST,
    port: c.KEYWARD_PORT,
    dataDir,
    operatorToken: c.KEYWARD_OPERATOR_TOKEN,
    devClock: c.KEYWARD_DEV_CLOCK,
    database: c.KEYWARD_DATABASE_URL
      ? { kind: 'postgres', url: c.KEYWARD_DATABASE_URL, ...(c.KEYWARD_DATABASE_SCHEMA ? { schema: c.KEYWARD_DATABASE_SCHEMA } : {}) }
      : { kind: 'sqlite', file: resolve(dataDir, 'keyward.db') },
    masterKeyFile: c.KEYWARD_MASTER_KEY_FILE
      ? { path: resolve(c.KEYWARD_MASTER_KEY_FILE), mayCreate: false }
      : { path: resolve(dataDir, 'master.key'), mayCreate: true },
    vault,
    logLevel: c.KEYWARD_LOG_LEVEL,
    bodyLimitBytes: c.KEYWARD_BODY_LIMIT_BYTES,
    openEnvironments: c.KEYWARD_OPEN_ENVIRONMENTS,
    mail: { smtpUrl: c.KEYWARD_SMTP_URL, from: c.KEYWARD_MAIL_FROM },
    pfxIterations: c.KEYWARD_PFX_ITERATIONS,
    instanceId: c.KEYWARD_INSTANCE_ID,
    operationLeaseMs: c.KEYWARD_OPERATION_LEASE_MS,
    operationMaxAttempts: c.KEYWARD_OPERATION_MAX_ATTEMPTS,
    custodyTimeoutMs: c.KEYWARD_CUSTODY_TIMEOUT_MS,
    lockRotatesMasterKey: c.KEYWARD_LOCK_ROTATES_MASTER_KEY,
    tls,
    publicUrl: (c.KEYWARD_PUBLIC_URL ?? `${tls ? 'https' : 'http'}://${listenHost}:${c.KEYWARD_PORT}`).replace(/\/+$/, ''),
    killAt: c.KEYWARD_TEST_KILL_AT
      ? { point: c.KEYWARD_TEST_KILL_AT.split('#')[0] as FaultPoint, nth: Number(c.KEYWARD_TEST_KILL_AT.split('#')[1] ?? '1') }
      : undefined,
    keyFiles: { threads: c.KEYWARD_KEY_FILE_THREADS, queuePerTenant: c.KEYWARD_KEY_FILE_QUEUE_PER_TENANT },
    passwordFailures: { perCaller: c.KEYWARD_PASSWORD_FAILURES_PER_CALLER, perTenant: c.KEYWARD_PASSWORD_FAILURES_PER_TENANT },
    http: {
      perMinute: c.KEYWARD_RATE_LIMIT_PER_MINUTE,
      badTokensPerMinute: c.KEYWARD_BAD_TOKENS_PER_MINUTE,
      trustProxy: c.KEYWARD_TRUST_PROXY,
      requestTimeoutMs: c.KEYWARD_REQUEST_TIMEOUT_MS,
      connectionTimeoutMs: c.KEYWARD_CONNECTION_TIMEOUT_MS,
      keepAliveTimeoutMs: c.KEYWARD_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: c.KEYWARD_MAX_CONNECTIONS,
    },
    rowPageBytes: c.KEYWARD_ROW_PAGE_BYTES,
    quotas: {
      environmentsPerTenant: c.KEYWARD_MAX_ENVIRONMENTS_PER_TENANT,
      tablesPerEnvironment: c.KEYWARD_MAX_TABLES_PER_ENVIRONMENT,
      backupsPerEnvironment: c.KEYWARD_MAX_BACKUPS_PER_ENVIRONMENT,
    },
  };
}
