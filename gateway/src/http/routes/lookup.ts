import { z } from 'zod';
import { hashStream, lookupDigest } from '../../use-cases/lookup';
import { ANY_ROLE, route, type AnyRoute } from '../route';
import { DigestHex } from '../validation';
import { errors } from './common';

/**
 * Lookup by content for members: which data item or output was registered with these bytes, given
 * their SHA-256 or the bytes themselves (hashed while streamed, never stored).
 */

export const LookupResult = z
  .object({
    contentDigest: z.string(),
    data: z.record(z.string(), z.unknown()).optional(),
    output: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'LookupResult', description: 'The data item and/or output registered with this digest, as the ledger holds them' });

export const lookupRoutes: readonly AnyRoute[] = [
  route({
    method: 'get',
    path: '/v1/lookup/:sha256',
    operationId: 'lookupByDigest',
    tag: 'verification',
    summary: 'Find the data item or output registered with a SHA-256 digest',
    access: ANY_ROLE,
    params: z.strictObject({ sha256: DigestHex }),
    responses: { 200: { description: 'Registered', schema: LookupResult }, ...errors(404) },
    handler: async (ctx) => ({ status: 200, body: await lookupDigest(ctx.services.reader, ctx.params.sha256) }),
  }),
  route({
    method: 'post',
    path: '/v1/lookup',
    operationId: 'lookupByContent',
    tag: 'verification',
    summary: 'Find the data item or output registered with these bytes (hashed while streamed, not stored)',
    access: ANY_ROLE,
    idempotent: false,
    upload: { description: 'The file, as the raw request body (any Content-Type)' },
    responses: { 200: { description: 'Registered', schema: LookupResult }, ...errors(404, 413) },
    handler: async (ctx) => {
      const { digest } = await hashStream(ctx.req, ctx.services.settings.uploadMaxBytes);
      return { status: 200, body: await lookupDigest(ctx.services.reader, digest) };
    },
  }),
];
