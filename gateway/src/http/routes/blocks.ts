import { z } from 'zod';
import { AppError } from '../../errors';
import type { BlockBrowser } from '../../use-cases/blocks';
import { ANY_ROLE, route, type AnyRoute, type RouteContext } from '../route';
import { errors } from './common';

/** Blocks and their transactions, as an explorer browses them (read through the org's peer). */

const BlockTransaction = z.object({
  index: z.number(),
  transactionId: z.string(),
  type: z.string(),
  creatorMsp: z.string(),
  function: z.string(),
  chaincode: z.string(),
  validationCode: z.string(),
});
const Block = z
  .object({
    number: z.string(),
    hash: z.string(),
    previousHash: z.string(),
    dataHash: z.string(),
    transactionCount: z.number(),
    transactions: z.array(BlockTransaction),
  })
  .meta({
    id: 'BlockSummary',
    description: 'A block: header hashes and, per transaction, ID, type, submitting org, contract:function and validation code',
  });
const BlockNumber = z.string().regex(/^\d{1,19}$/, 'must be a block number');

function blocks(ctx: RouteContext<unknown, unknown, unknown>): BlockBrowser {
  const service = ctx.services.blocks;
  if (service === undefined)
    throw new AppError('UNAVAILABLE', 'browsing blocks needs the Fabric connection, which this gateway does not have');
  return service;
}

export const blockRoutes: readonly AnyRoute[] = [
  route({
    method: 'get',
    path: '/v1/blocks',
    operationId: 'listBlocks',
    tag: 'transactions',
    summary: 'The newest blocks (or those below `before`), newest first, each with its transactions',
    access: ANY_ROLE,
    query: z.strictObject({ before: BlockNumber.optional(), limit: z.coerce.number().int().min(1).max(50).default(10) }),
    responses: {
      200: {
        description: 'Chain height, blocks, and `next` (pass as `before` for older blocks)',
        schema: z.object({ height: z.string(), blocks: z.array(Block), next: z.string().optional() }).meta({ id: 'BlockPage' }),
      },
      ...errors(503),
    },
    handler: async (ctx) => ({
      status: 200,
      body: await blocks(ctx).list(ctx.query.before === undefined ? undefined : BigInt(ctx.query.before), ctx.query.limit),
    }),
  }),
  route({
    method: 'get',
    path: '/v1/blocks/:number',
    operationId: 'getBlock',
    tag: 'transactions',
    summary: 'One block with its transactions',
    access: ANY_ROLE,
    params: z.strictObject({ number: BlockNumber }),
    responses: { 200: { description: 'The block', schema: Block }, ...errors(404, 503) },
    handler: async (ctx) => ({ status: 200, body: await blocks(ctx).get(BigInt(ctx.params.number)) }),
  }),
];
