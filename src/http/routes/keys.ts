import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app/deps.js';
import { listKeys } from '../../app/keys/list-keys.js';
import { generateKey } from '../../app/keys/generate-key.js';
import { uploadKey } from '../../app/keys/upload-key.js';
import { currentExchangeKey } from '../../app/keys/exchange-key.js';
import { activateKey } from '../../app/keys/activate-key.js';
import { lockChallenge } from '../../app/keys/lock-challenge.js';
import { lockTenant } from '../../app/keys/lock-tenant.js';
import { issueLockProof } from '../../app/keys/lock-proof.js';
import { unlockKey } from '../../app/keys/unlock-key.js';
import { principalOf } from '../auth.js';
import {
  AcknowledgeRiskBody,
  ExchangeKeyAnswer,
  GeneratedKey,
  GenerateKeyBody,
  KeyList,
  KeyParams,
  LockBody,
  LockChallenge,
  LockProofChallenge,
  LockProofQuery,
  OperationAnswer,
  OptionalRegionQuery,
  RegionQuery,
  TenantParams,
  UnlockKeyBody,
  UploadedKey,
  UploadKeyBody,
} from '../schemas.js';
import { keyView, operationView } from '../views.js';

type Tenant = { Params: { tenantId: string } };
type KeyRoute = { Params: { tenantId: string; keyId: string } };
const tags = ['keys'];
const file = (base64: string) => Buffer.from(base64, 'base64');

/** Answering a lock-proof challenge with OpenSSL alone: the private key stays on the admin's machine. */
const OPENSSL_ANSWER =
  'base64 -d > challenge.bin <<< "$CIPHERTEXT"; openssl pkcs12 -in key.pfx -nocerts -nodes | openssl pkeyutl -decrypt -inkey /dev/stdin ' +
  '-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256 -in challenge.bin | base64 -w0';

/** API.md "Keys": tenant admins manage their tenant's keys (R3–R15). */
export function keyRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get<Tenant & { Querystring: { region?: string } }>(
    '/v1/tenants/:tenantId/keys',
    {
      schema: {
        tags,
        summary: "The tenant's keys (Deleted ones left out)",
        params: TenantParams,
        querystring: OptionalRegionQuery,
        response: { 200: KeyList },
      },
    },
    async (request) => ({ items: (await listKeys(deps, principalOf(request), request.params.tenantId, request.query.region)).map(keyView) }),
  );

  app.post<Tenant & { Body: GenerateKeyBody }>(
    '/v1/tenants/:tenantId/keys/generate',
    {
      schema: {
        tags,
        summary: 'Generate a key; answers its .pfx once (R4, R6)',
        params: TenantParams,
        body: GenerateKeyBody,
        response: { 201: GeneratedKey },
      },
    },
    async (request, reply) => {
      const body = { ...request.body, acknowledgeRisk: request.body.acknowledgeRisk === true };
      const { key, pfx, operation } = await generateKey(deps, principalOf(request), request.params.tenantId, body);
      return reply.status(201).send({ key: keyView(key), pfx: pfx.toString('base64'), operation: operation && operationView(operation) });
    },
  );

  app.get<Tenant & { Querystring: { region: string } }>(
    '/v1/tenants/:tenantId/byok-exchange-key',
    {
      schema: {
        tags,
        summary: 'The key-exchange key a .byok must be wrapped for',
        params: TenantParams,
        querystring: RegionQuery,
        response: { 200: ExchangeKeyAnswer },
      },
    },
    async (request) => {
      const kek = await currentExchangeKey(deps, principalOf(request), request.params.tenantId, request.query.region);
      return { kid: kek.id, publicKeyPem: kek.publicKeyPem, expiresAt: kek.expiresAt.toISOString() };
    },
  );

  app.post<Tenant & { Body: UploadKeyBody }>(
    '/v1/tenants/:tenantId/keys/upload',
    {
      schema: {
        tags,
        summary: 'Upload a .pfx (with its password) or a .byok (R5, R6)',
        params: TenantParams,
        body: UploadKeyBody,
        response: { 201: UploadedKey },
      },
    },
    async (request, reply) => {
      const { password, ...body } = request.body;
      const { key, operation } = await uploadKey(deps, principalOf(request), request.params.tenantId, {
        ...body,
        acknowledgeRisk: body.acknowledgeRisk === true,
        file: file(body.file),
        ...(password !== undefined ? { password } : {}),
      });
      return reply.status(201).send({ key: keyView(key), operation: operation && operationView(operation) });
    },
  );

  app.post<KeyRoute & { Body: { acknowledgeRisk?: boolean } }>(
    '/v1/tenants/:tenantId/keys/:keyId/activate',
    {
      schema: {
        tags,
        summary: 'Activate a key: rewraps the region’s DEKs, no downtime (R7, R8)',
        params: KeyParams,
        body: AcknowledgeRiskBody,
        response: { 202: OperationAnswer },
      },
    },
    async (request, reply) => {
      const { operation } = await activateKey(
        deps,
        principalOf(request),
        request.params.tenantId,
        request.params.keyId,
        request.body.acknowledgeRisk === true,
      );
      return reply.status(202).send({ operation: operationView(operation) });
    },
  );

  app.get<Tenant & { Querystring: { region: string } }>(
    '/v1/tenants/:tenantId/lock-challenge',
    {
      schema: {
        tags,
        summary: 'The text to type back to lock a region (R13)',
        params: TenantParams,
        querystring: RegionQuery,
        response: { 200: LockChallenge },
      },
    },
    async (request) => {
      const challenge = await lockChallenge(deps, principalOf(request), request.params.tenantId, request.query.region);
      return { ...challenge, expiresAt: challenge.expiresAt.toISOString() };
    },
  );

  app.post<Tenant & { Querystring: { region: string } }>(
    '/v1/tenants/:tenantId/lock-proof',
    {
      schema: {
        tags,
        summary: 'A challenge to prove possession of the active key without sending it (answer it in the lock body as `proof`)',
        params: TenantParams,
        querystring: LockProofQuery,
        response: { 201: LockProofChallenge },
      },
    },
    async (request, reply) => {
      const challenge = await issueLockProof(deps, principalOf(request), request.params.tenantId, request.query.region);
      return reply.status(201).send({
        challengeId: challenge.challengeId,
        ciphertext: challenge.ciphertext.toString('base64'),
        expiresAt: challenge.expiresAt.toISOString(),
        keyId: challenge.keyId,
        openssl: OPENSSL_ANSWER,
      });
    },
  );

  app.post<Tenant & { Body: LockBody }>(
    '/v1/tenants/:tenantId/lock',
    {
      schema: {
        tags,
        summary: 'Lock the region’s tenant-key environments (R13)',
        params: TenantParams,
        body: LockBody,
        response: { 202: OperationAnswer },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const proof = 'proof' in body ? body.proof : { file: file(body.file), password: body.password };
      const { operation } = await lockTenant(deps, principalOf(request), request.params.tenantId, {
        region: body.region,
        confirmation: body.confirmation,
        ...proof,
      });
      return reply.status(202).send({ operation: operationView(operation) });
    },
  );

  app.post<KeyRoute & { Body: UnlockKeyBody }>(
    '/v1/tenants/:tenantId/keys/:keyId/unlock',
    {
      schema: {
        tags,
        summary: 'Bring back the key that locked the tenant (R15)',
        params: KeyParams,
        body: UnlockKeyBody,
        response: { 202: OperationAnswer },
      },
    },
    async (request, reply) => {
      const { operation } = await unlockKey(deps, principalOf(request), request.params.tenantId, request.params.keyId, {
        ...request.body,
        file: file(request.body.file),
      });
      return reply.status(202).send({ operation: operationView(operation) });
    },
  );
}
