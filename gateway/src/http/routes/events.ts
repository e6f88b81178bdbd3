import { z } from 'zod';
import { streamEvents, startPosition } from '../../events/sse';
import { ANY_ROLE, route, type AnyRoute } from '../route';
import { errors } from './common';

/** Chaincode events: a resumable server-sent event stream, and signed webhooks. */

const EventNamesList = z
  .string()
  .max(2048)
  .transform((s) => s.split(',').filter((n) => n !== ''))
  .pipe(z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/)).max(64));

const Webhook = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()).optional(),
    clientId: z.string(),
    createdAt: z.string(),
    startBlock: z.string(),
    checkpoint: z.object({ blockNumber: z.string(), transactionId: z.string().optional() }).optional(),
  })
  .meta({ id: 'Webhook' });

/** Loopback or https URLs only: webhooks carry ledger events and must not go out in clear text. */
const WebhookUrl = z.url().refine(
  (u) => {
    const url = URL.parse(u);
    return url !== null && (url.protocol === 'https:' || (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)));
  },
  { message: 'must be https (or http on loopback)' },
);

export const eventRoutes: readonly AnyRoute[] = [
  route({
    method: 'get',
    path: '/v1/events',
    operationId: 'streamEvents',
    tag: 'events',
    summary: 'Server-sent chaincode events; reconnect with Last-Event-ID to resume right after the last one received',
    access: ANY_ROLE,
    query: z.strictObject({
      events: EventNamesList.optional(),
      startBlock: z.coerce.bigint().min(0n).optional(),
      lastEventId: z.string().max(200).optional(),
    }),
    responses: {
      200: { description: 'text/event-stream; each event: id <block>:<txId>, event <name>, data JSON', contentType: 'text/event-stream' },
      ...errors(503),
    },
    handler: async (ctx) => {
      const from = startPosition(ctx.req.get('last-event-id') ?? ctx.query.lastEventId, ctx.query.startBlock);
      await streamEvents(
        {
          ledger: ctx.services.ledger,
          logger: ctx.log,
          metrics: ctx.services.metrics,
          registry: ctx.services.sse,
          options: { heartbeatMs: ctx.services.settings.sseHeartbeatMs, retryMs: 2_000 },
        },
        ctx.req,
        ctx.res,
        from,
        ctx.query.events === undefined ? undefined : new Set(ctx.query.events),
      );
      return { streamed: true };
    },
  }),
  route({
    method: 'post',
    path: '/v1/webhooks',
    operationId: 'registerWebhook',
    tag: 'events',
    summary: 'Register a signed webhook (at-least-once, resumed from its checkpoint); the secret is shown only here',
    access: ANY_ROLE,
    body: z.strictObject({
      url: WebhookUrl,
      events: z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/)).max(64).optional(),
      secret: z.string().min(16).max(256).optional(),
      startBlock: z.string().regex(/^\d{1,20}$/).optional(),
    }),
    responses: {
      201: { description: 'Registered', schema: Webhook.extend({ secret: z.string() }) },
      ...errors(415, 422, 503),
    },
    handler: async (ctx) => ({ status: 201, body: await ctx.services.webhooks.register(ctx.principal.clientId, ctx.body) }),
  }),
  route({
    method: 'get',
    path: '/v1/webhooks',
    operationId: 'listWebhooks',
    tag: 'events',
    summary: "The caller's webhooks",
    access: ANY_ROLE,
    responses: { 200: { description: 'Webhooks', schema: z.object({ items: z.array(Webhook) }) }, ...errors() },
    handler: async (ctx) => ({ status: 200, body: { items: await ctx.services.webhooks.list(ctx.principal.clientId) } }),
  }),
  route({
    method: 'get',
    path: '/v1/webhooks/:webhookId',
    operationId: 'getWebhook',
    tag: 'events',
    summary: 'A webhook with its delivery checkpoint',
    access: ANY_ROLE,
    params: z.strictObject({ webhookId: z.uuid() }),
    responses: { 200: { description: 'The webhook', schema: Webhook }, ...errors(404) },
    handler: async (ctx) => ({ status: 200, body: await ctx.services.webhooks.get(ctx.params.webhookId) }),
  }),
  route({
    method: 'delete',
    path: '/v1/webhooks/:webhookId',
    operationId: 'deleteWebhook',
    tag: 'events',
    summary: 'Stop and remove a webhook',
    access: ANY_ROLE,
    params: z.strictObject({ webhookId: z.uuid() }),
    responses: { 204: { description: 'Removed' }, ...errors(404) },
    handler: async (ctx) => {
      await ctx.services.webhooks.remove(ctx.params.webhookId, ctx.principal.clientId, false);
      return { status: 204 };
    },
  }),
];
