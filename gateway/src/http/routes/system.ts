import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import { AppError } from '../../errors';
import { acceptsGzip } from '../gzip';
import { route, ANY_ROLE, type AnyRoute } from '../route';
import { errors } from './common';

/** Liveness, readiness (peer and vault), metrics, the OpenAPI document and transaction status. */

const Readiness = z
  .object({
    status: z.enum(['ready', 'not-ready']),
    checks: z.record(z.string(), z.object({ ok: z.boolean(), error: z.string().optional() })),
  })
  .meta({ id: 'Readiness' });

async function check(probe: () => Promise<unknown>, timeoutMs: number): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => {
          reject(new Error(`no answer within ${timeoutMs} ms`));
        }, timeoutMs);
      }),
    ]);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** @param openApi returns the served document (built from every route, including these). */
export function systemRoutes(openApi: () => unknown): readonly AnyRoute[] {
  let gzippedOpenApi: Buffer | undefined;
  return [
    route({
      method: 'get',
      path: '/healthz',
      operationId: 'health',
      tag: 'operations',
      summary: 'Liveness: the process answers',
      access: 'public',
      responses: { 200: { description: 'Alive', schema: z.object({ status: z.literal('ok') }) } },
      handler: () => Promise.resolve({ status: 200, body: { status: 'ok' } }),
    }),
    route({
      method: 'get',
      path: '/readyz',
      operationId: 'readiness',
      tag: 'operations',
      summary: "Readiness: the org's peer and the vault answer",
      access: 'public',
      responses: { 200: { description: 'Ready', schema: Readiness }, 503: { description: 'Not ready', schema: Readiness } },
      handler: async (ctx) => {
        const [peer, vault] = await Promise.all([
          check(() => ctx.services.ledger.height(), 3_000),
          check(() => ctx.services.vault.ping(), 3_000),
        ]);
        const ready = peer.ok && vault.ok;
        return { status: ready ? 200 : 503, body: { status: ready ? 'ready' : 'not-ready', checks: { peer, vault } } };
      },
    }),
    route({
      method: 'get',
      path: '/metrics',
      operationId: 'metrics',
      tag: 'operations',
      summary: 'Prometheus metrics (text exposition format)',
      access: 'public',
      responses: { 200: { description: 'Metrics', contentType: 'text/plain; version=0.0.4' } },
      handler: async (ctx) => {
        const text = await ctx.services.metrics.render();
        ctx.res.status(200).type(ctx.services.metrics.contentType).send(text);
        return { streamed: true };
      },
    }),
    route({
      method: 'get',
      path: '/v1/openapi.json',
      operationId: 'openApi',
      tag: 'operations',
      summary: 'This API, as an OpenAPI 3.1 document',
      access: 'public',
      responses: { 200: { description: 'The OpenAPI document' } },
      handler: (ctx) => {
        // The document is fixed once built and weighs ~100 KiB as JSON: browsers get it gzipped.
        if (!acceptsGzip(ctx.req)) return Promise.resolve({ status: 200, body: openApi() });
        gzippedOpenApi ??= gzipSync(JSON.stringify(openApi()), { level: 9 });
        ctx.res.status(200).type('application/json').set({ 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' }).end(gzippedOpenApi);
        return Promise.resolve({ streamed: true });
      },
    }),
    route({
      method: 'get',
      path: '/v1/whoami',
      operationId: 'whoAmI',
      tag: 'operations',
      summary: "The caller's client id and role, and this gateway's org (a console uses it to sign in)",
      access: ANY_ROLE,
      responses: {
        200: {
          description: 'The authenticated caller',
          schema: z.object({ clientId: z.string(), role: z.string(), mspId: z.string() }).meta({ id: 'WhoAmI' }),
        },
        ...errors(),
      },
      handler: (ctx) =>
        Promise.resolve({
          status: 200,
          body: { clientId: ctx.principal.clientId, role: ctx.principal.role, mspId: ctx.services.settings.mspId },
        }),
    }),
    route({
      method: 'get',
      path: '/v1/transactions/:transactionId',
      operationId: 'getTransaction',
      tag: 'transactions',
      summary:
        'Status of a transaction on the channel (e.g. after a 504), with who acted as the ledger records it (ledgerActor) and as this gateway logged it',
      access: ANY_ROLE,
      params: z.strictObject({ transactionId: z.string().regex(/^[0-9a-f]{64}$/, 'must be a Fabric transaction ID (64 hex)') }),
      responses: {
        200: {
          description: 'committed / invalid / unknown (not found yet)',
          schema: z
            .object({
              transactionId: z.string(),
              status: z.enum(['committed', 'invalid', 'unknown']),
              validationCode: z.string().optional(),
              blockNumber: z.string().optional(),
              operation: z.string().optional(),
              clientId: z.string().optional(),
              submittedAt: z.string().optional(),
              ledgerActor: z.object({ mspId: z.string(), clientRef: z.string().optional(), eventName: z.string().optional() }).optional(),
            })
            .meta({ id: 'TransactionStatus' }),
        },
        ...errors(503),
      },
      handler: async (ctx) => {
        const status = await ctx.services.transactor.status(ctx.params.transactionId);
        if (status.status === 'unknown' && status.operation === undefined) {
          throw new AppError('NOT_FOUND', `transaction ${ctx.params.transactionId} is not known to this channel or gateway`);
        }
        return { status: 200, body: status };
      },
    }),
  ];
}
