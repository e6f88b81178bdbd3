import { z } from 'zod';
import { AppError } from '../../errors';
import type { EvidenceService } from '../../use-cases/evidence';
import { lookupDigest } from '../../use-cases/lookup';
import { ANY_ROLE, route, type AnyRoute, type RouteContext } from '../route';
import { DigestHex, Id } from '../validation';
import { errors, publicErrors } from './common';

/**
 * Evidence that verifies offline (`kiseki-verify`): bundles for members, and the two public pieces
 * a verifier or another gateway needs — an org's signed "transaction T is VALID" and the channel's
 * current config block hash (a convenience: pin the hash the consortium publishes, not this answer).
 */

const Bundle = z
  .record(z.string(), z.unknown())
  .meta({ id: 'EvidenceBundle', description: 'kiseki-evidence/1 bundle (see docs/verification.md)' });
const AttestationBody = z
  .object({
    statement: z.record(z.string(), z.unknown()),
    signer: z.object({ mspId: z.string(), certificate: z.string() }),
    signature: z.string(),
  })
  .meta({ id: 'Attestation', description: 'An org signs: transaction T in block B (header hash H) is VALID' });

function evidence(ctx: RouteContext<unknown, unknown, unknown>): EvidenceService {
  const service = ctx.services.evidence;
  if (service === undefined) throw new AppError('UNAVAILABLE', 'evidence needs the Fabric connection, which this gateway does not have');
  return service;
}

export const evidenceRoutes: readonly AnyRoute[] = [
  route({
    method: 'get',
    path: '/v1/outputs/:outputId/evidence',
    operationId: 'getOutputEvidence',
    tag: 'verification',
    summary: "An evidence bundle for an output: its registration, its lineage's seals, blocks, attestations",
    access: ANY_ROLE,
    params: z.strictObject({ outputId: Id }),
    responses: { 200: { description: 'The bundle', schema: Bundle }, ...errors(404, 503) },
    handler: async (ctx) => ({ status: 200, body: await evidence(ctx).forOutput(ctx.params.outputId) }),
  }),
  route({
    method: 'get',
    path: '/v1/models/:modelId/evidence/:item',
    operationId: 'getMembershipEvidence',
    tag: 'verification',
    summary: "An evidence bundle that a data item (dataId or content SHA-256) is, or is not, in a sealed model's training set",
    access: ANY_ROLE,
    params: z.strictObject({ modelId: Id, item: z.union([DigestHex, Id]) }),
    responses: { 200: { description: 'The bundle', schema: Bundle }, ...errors(404, 409, 503) },
    handler: async (ctx) => {
      const { modelId, item } = ctx.params;
      if (/^[0-9a-f]{64}$/.test(item)) {
        const found = await lookupDigest(ctx.services.reader, item);
        const dataId = (found.data as { dataId?: unknown } | undefined)?.dataId;
        if (typeof dataId !== 'string') throw new AppError('NOT_FOUND', `not registered: no data item has the SHA-256 digest ${item}`);
        return { status: 200, body: await evidence(ctx).forMembership(modelId, dataId, item) };
      }
      return { status: 200, body: await evidence(ctx).forMembership(modelId, item) };
    },
  }),
  route({
    method: 'get',
    path: '/v1/public/attestations/:transactionId',
    operationId: 'publicAttestation',
    tag: 'public',
    summary: "This org's signed statement that a transaction is VALID, checked on its own peer (no key needed)",
    access: 'public',
    publicVerification: true,
    params: z.strictObject({ transactionId: z.string().regex(/^[0-9a-f]{64}$/, 'must be a transaction ID') }),
    responses: { 200: { description: 'The attestation', schema: AttestationBody }, ...publicErrors(404, 409, 503) },
    handler: async (ctx) => ({ status: 200, body: await evidence(ctx).attest(ctx.params.transactionId) }),
  }),
  route({
    method: 'get',
    path: '/v1/public/anchor',
    operationId: 'publicAnchor',
    tag: 'public',
    summary: "The channel's config block number and header hash as this org's peer holds them (no key needed)",
    access: 'public',
    publicVerification: true,
    responses: {
      200: {
        description: 'The anchor',
        schema: z.object({ channel: z.string(), configBlock: z.string(), configBlockHash: z.string() }).meta({ id: 'Anchor' }),
      },
      ...publicErrors(503),
    },
    handler: async (ctx) => ({ status: 200, body: await evidence(ctx).anchor() }),
  }),
];
