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
    state: z.enum(['active', 'failed']).optional(),
    failure: z.object({ at: z.string(), attempts: z.number().int(), eventId: z.string(), lastError: z.string() }).optional(),
    checkpoint: z.object({ blockNumber: z.string(), transactionId: z.string().optional() }).optional(),
  })
  .meta({ id: 'Webhook' });

/** The scheme and address are checked by the webhook service (https to public addresses, or allowed). */
const WebhookUrl = z.url().max(2048);

const WebhookParams = z.strictObject({ webhookId: z.uuid() });

export const eventRoutes: readonly AnyRoute[] = [
  route({
    method: 'get',
    path: '/v1/events',
    operationId: 'streamEvents',
    tag: 'events',
    longLived: true,
    summary:
      'Server-sent chaincode events; reconnect with Last-Event-ID to resume right after the last one received. A client that reads too ' +
      'slowly gets a `resume` event with the Last-Event-ID to reconnect with, and is closed',
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
          options: {
            heartbeatMs: ctx.services.settings.sseHeartbeatMs,
            retryMs: 2_000,
            ...(ctx.services.settings.sseMaxBufferedBytes === undefined
              ? {}
              : { maxBufferedBytes: ctx.services.settings.sseMaxBufferedBytes }),
            ...(ctx.services.settings.sseSlowClientMs === undefined ? {} : { slowClientMs: ctx.services.settings.sseSlowClientMs }),
          },
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
    summary:
      'Register a signed webhook (at-least-once, resumed from its checkpoint); the secret is shown only here. The target must be https ' +
      'to a public address (or a host the operator allowed); a startBlock before the current block is for auditors and regulators',
    access: ANY_ROLE,
    body: z.strictObject({
      url: WebhookUrl,
      events: z
        .array(z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/))
        .max(64)
        .optional(),
      secret: z.string().min(16).max(256).optional(),
      startBlock: z
        .string()
        .regex(/^\d{1,20}$/)
        .optional(),
    }),
    responses: {
      201: { description: 'Registered', schema: Webhook.extend({ secret: z.string() }) },
      ...errors(403, 409, 415, 422, 503),
    },
    handler: async (ctx) => ({ status: 201, body: await ctx.services.webhooks.register(ctx.principal, ctx.body) }),
  }),
  route({
    method: 'get',
    path: '/v1/webhooks',
    operationId: 'listWebhooks',
    tag: 'events',
    summary: "The caller's webhooks (an auditor's or regulator's: every client's)",
    access: ANY_ROLE,
    responses: { 200: { description: 'Webhooks', schema: z.object({ items: z.array(Webhook) }) }, ...errors() },
    handler: async (ctx) => ({ status: 200, body: { items: await ctx.services.webhooks.list(ctx.principal) } }),
  }),
  route({
    method: 'get',
    path: '/v1/webhooks/:webhookId',
    operationId: 'getWebhook',
    tag: 'events',
    summary: 'A webhook with its state and delivery checkpoint (its owner, auditors and regulators)',
    access: ANY_ROLE,
    params: WebhookParams,
    responses: { 200: { description: 'The webhook', schema: Webhook }, ...errors(403, 404) },
    handler: async (ctx) => ({ status: 200, body: await ctx.services.webhooks.get(ctx.params.webhookId, ctx.principal) }),
  }),
  route({
    method: 'delete',
    path: '/v1/webhooks/:webhookId',
    operationId: 'deleteWebhook',
    tag: 'events',
    summary: 'Stop and remove a webhook (its owner, auditors and regulators)',
    access: ANY_ROLE,
    params: WebhookParams,
    responses: { 204: { description: 'Removed' }, ...errors(403, 404) },
    handler: async (ctx) => {
      await ctx.services.webhooks.remove(ctx.params.webhookId, ctx.principal);
      return { status: 204 };
    },
  }),
  route({
    method: 'post',
    path: '/v1/webhooks/:webhookId/resume',
    operationId: 'resumeWebhook',
    tag: 'events',
    summary: 'Resume a failed webhook from its checkpoint (the undelivered event first)',
    access: ANY_ROLE,
    params: WebhookParams,
    responses: { 200: { description: 'Resumed', schema: Webhook }, ...errors(403, 404, 409) },
    handler: async (ctx) => ({ status: 200, body: await ctx.services.webhooks.resume(ctx.params.webhookId, ctx.principal) }),
  }),
];
