import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { authorize, type ApiKeyStore, type Principal } from '../auth';
import { AppError, toAppError } from '../errors';
import { errorFields, type Logger } from '../logger';
import type { Services } from '../use-cases/services';
import { consoleAssets } from './console-assets';
import { requestFingerprint, type StoredResponse } from './idempotency';
import type { AnyRoute, RouteResult } from './route';
import { DEFAULT_LIMITS, RequestLimiter, type LimitSettings } from './limits';
import { onResponseEnd } from './response-end';
import { parseInput } from './validation';
import { digestStream, stagedDigestOf } from '../use-cases/uploads';

/**
 * The Express application: every declared route gets request ids, access logs and metrics, API-key
 * auth and role checks, schema validation of params/query/body, Idempotency-Key handling for POSTs,
 * and one error renderer (`{ error: { code, message, issues?, transactionId? } }`). `start`/`stop` own
 * the HTTP server; `stop` drains in-flight requests (bounded by `shutdownMs`) and ends event streams.
 */

export interface AppDeps {
  services: Services;
  keys: ApiKeyStore;
  routes: readonly AnyRoute[];
  shutdownMs: number;
  /** Folder of the built web console, served at `/` as static files (no console when absent). */
  consoleDir?: string;
  /** Per-key rate and concurrency limits and upload caps; defaults when absent. */
  limits?: LimitSettings;
  /** HTTPS with this certificate and key; with `clientCAs`, only clients holding a certificate they issued. */
  tls?: ServerTls;
}

/** The server side of HTTPS (PEM texts). */
export interface ServerTls {
  cert: string;
  key: string;
  /** CAs whose client certificates are accepted; when non-empty, a client without one fails the handshake. */
  clientCAs?: readonly string[];
}

export interface GatewayApp {
  app: express.Express;
  /** Listens on `host:port` (port 0 picks a free one); resolves with the bound URL. */
  start(port: number, host: string): Promise<{ url: string; port: number }>;
  /** Stops accepting, drains in-flight requests, ends event streams and closes the server. */
  stop(): Promise<void>;
}

interface Locals {
  requestId: string;
  log: Logger;
  route?: string;
  principal?: Principal;
}

const locals = (res: Response): Locals => res.locals as Locals;
const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** JSON bodies nested deeper than this are refused before they are parsed. */
export const MAX_JSON_DEPTH = 32;

/**
 * True when a JSON text opens more than `max` arrays/objects inside one another. A linear scan of the
 * bytes (skipping strings), so a megabyte of `[[[…` costs one pass and never reaches a recursive parser,
 * validator or serializer.
 */
export function jsonDeeperThan(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i += 1) {
    const b = bytes[i];
    if (inString) {
      if (b === 0x5c) i += 1;
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x5b || b === 0x7b) {
      depth += 1;
      if (depth > max) return true;
    } else if (b === 0x5d || b === 0x7d) depth -= 1;
  }
  return false;
}

class TooDeep extends Error {}

/** Converts body-parser and router failures (malformed JSON or URL, too large, too deep) to API errors. */
function bodyParserError(error: unknown): AppError | undefined {
  const type = (error as { type?: unknown } | null)?.type;
  if (type === 'entity.verify.failed' || error instanceof TooDeep) {
    return new AppError('INVALID', `the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`, {
      cause: error,
      issues: [{ path: 'body', code: 'too_deep', message: `nested deeper than ${MAX_JSON_DEPTH} levels` }],
    });
  }
  if (type === 'entity.parse.failed') return new AppError('INVALID', 'the request body is not valid JSON', { cause: error });
  if (type === 'entity.too.large') return new AppError('PAYLOAD_TOO_LARGE', 'the JSON body is too large', { cause: error });
  if (typeof type === 'string' && type.startsWith('encoding.'))
    return new AppError('INVALID', 'unsupported body encoding', { cause: error });
  if (type === 'request.aborted') return new AppError('INVALID', 'the request was aborted', { cause: error });
  if (type === 'charset.unsupported')
    return new AppError('UNSUPPORTED_MEDIA_TYPE', 'unsupported charset; send UTF-8 JSON', { cause: error });
  const status = (error as { status?: unknown } | null)?.status;
  if (error instanceof URIError || status === 400) return new AppError('INVALID', 'the request URL or body is malformed', { cause: error });
  if (status === 413) return new AppError('PAYLOAD_TOO_LARGE', 'the request body is too large', { cause: error });
  if (status === 415) return new AppError('UNSUPPORTED_MEDIA_TYPE', 'unsupported body encoding or media type', { cause: error });
  return undefined;
}

export function createApp(deps: AppDeps): GatewayApp {
  const { services, keys } = deps;
  const limiter = new RequestLimiter(deps.limits ?? DEFAULT_LIMITS);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  let inFlight = 0;
  let draining = false;
  let idle: (() => void) | undefined;

  app.use((req: Request, res: Response, next: NextFunction) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming !== undefined && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.set('X-Request-Id', requestId);
    Object.assign(res.locals, { requestId, log: services.logger.child({ requestId }) } satisfies Locals);
    const started = process.hrtime.bigint();
    inFlight += 1;
    if (draining) res.set('Connection', 'close');
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      inFlight -= 1;
      if (inFlight === 0) idle?.();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = locals(res).route ?? 'unmatched';
      services.metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      services.metrics.httpDuration.observe({ method: req.method, route }, seconds);
      locals(res).log.info('request', {
        method: req.method,
        path: req.path,
        route,
        status: res.statusCode,
        durationMs: Math.round(seconds * 1000),
        clientId: locals(res).principal?.clientId,
      });
    };
    res.on('finish', finish);
    res.on('close', finish);
    next();
  });

  const router = express.Router();
  for (const spec of deps.routes) router[spec.method](spec.path, ...chain(spec));
  app.use(router);
  if (deps.consoleDir !== undefined) app.use(consoleAssets(deps.consoleDir));

  app.use((_req: Request, _res: Response, next: NextFunction) => {
    next(new AppError('NOT_FOUND', 'no such route; see /v1/openapi.json'));
  });

  // Express recognises an error handler by its four parameters, so `next` stays although unused.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const appError = bodyParserError(error) ?? toAppError(error);
    const { log } = locals(res);
    if (appError.httpStatus >= 500)
      log.error(appError.message, {
        code: appError.code,
        transactionId: appError.transactionId,
        ...errorFields(appError.cause ?? appError),
      });
    else log.debug(appError.message, { code: appError.code });
    if (res.headersSent) {
      res.end();
      return;
    }
    // A refused upload leaves unread bytes on the connection: close it after this answer.
    if (appError.code === 'PAYLOAD_TOO_LARGE' || appError.code === 'TOO_MANY_REQUESTS' || !req.complete) res.set('Connection', 'close');
    res.status(appError.httpStatus).set(appError.headers).json(appError.toBody());
  });

  function chain(spec: AnyRoute): RequestHandler[] {
    const handlers: RequestHandler[] = [
      (req, res, next) => {
        locals(res).route = spec.path;
        if (spec.publicVerification === true) {
          if (!services.publicVerification.enabled)
            throw new AppError('NOT_FOUND', 'the public verification surface is off on this gateway');
          services.publicVerification.limiter.take(req.socket.remoteAddress ?? 'unknown');
        }
        if (spec.access !== 'public') {
          const principal = keys.authenticate(req.get('authorization'), req.get('x-api-key'));
          locals(res).principal = principal;
          authorize(principal, spec.access);
          const release = limiter.acquire(
            principal.clientId,
            spec.upload !== undefined ? 'upload' : spec.longLived === true ? 'stream' : 'request',
          );
          onResponseEnd(res, release);
        }
        next();
      },
    ];
    if (spec.body !== undefined) {
      handlers.push((req, _res, next) => {
        // An empty POST (content-length 0) carries no body to type: optional bodies may be left out.
        const length = req.get('content-length');
        if ((length !== undefined && length !== '0') || req.get('transfer-encoding') !== undefined) {
          if (!req.is('application/json')) {
            next(new AppError('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json'));
            return;
          }
        }
        next();
      });
      handlers.push(
        express.json({
          limit: services.settings.jsonMaxBytes,
          strict: true,
          verify: (_req, _res, buffer) => {
            if (jsonDeeperThan(buffer, MAX_JSON_DEPTH)) throw new TooDeep('too deep');
          },
        }),
      );
    }
    handlers.push((req, res, next) => {
      run(spec, req, res).catch(next);
    });
    return handlers;
  }

  async function run(spec: AnyRoute, req: Request, res: Response): Promise<void> {
    const params: unknown = spec.params === undefined ? {} : parseInput(spec.params, req.params, 'params');
    const query: unknown = spec.query === undefined ? {} : parseInput(spec.query, req.query, 'query');
    const body: unknown = spec.body === undefined ? undefined : parseInput(spec.body, (req.body as unknown) ?? {}, 'body');
    const { requestId, log, principal } = locals(res);
    const execute = async (): Promise<RouteResult> =>
      spec.handler({ principal: principal as Principal, params, query, body, req, res, requestId, log, services });
    const idempotencyKey = req.get('idempotency-key');
    if (spec.method === 'post' && spec.idempotent !== false && idempotencyKey !== undefined && principal !== undefined) {
      const fingerprint = requestFingerprint(
        req.method,
        req.originalUrl,
        spec.upload === undefined ? body : { contentType: req.get('content-type') ?? '' },
      );
      // An upload's bytes are not in the fingerprint: its stored outcome is bound to their digest instead.
      const content =
        spec.upload === undefined
          ? undefined
          : { digest: () => stagedDigestOf(req), digestIncoming: () => digestStream(req, services.settings.uploadMaxBytes) };
      const { response, replayed } = await services.idempotency.run(
        principal.clientId,
        idempotencyKey,
        fingerprint,
        async () => {
          const result = await execute();
          if ('streamed' in result) throw new AppError('INTERNAL', 'a streamed response cannot be idempotent');
          return {
            status: result.status,
            body: result.body,
            ...(result.headers === undefined ? {} : { headers: result.headers }),
          } satisfies StoredResponse;
        },
        content,
      );
      if (replayed) res.set('Idempotent-Replayed', 'true');
      send(res, response);
      return;
    }
    const result = await execute();
    if ('streamed' in result) return;
    send(res, result);
  }

  let server: Server | undefined;
  return {
    app,
    start: (port, host) =>
      new Promise((resolve, reject) => {
        const tls = deps.tls;
        const mutual = tls?.clientCAs !== undefined && tls.clientCAs.length > 0;
        const listening: Server =
          tls === undefined
            ? createHttpServer(app)
            : createHttpsServer(
                {
                  cert: tls.cert,
                  key: tls.key,
                  minVersion: 'TLSv1.2',
                  ...(mutual ? { ca: [...(tls.clientCAs ?? [])], requestCert: true, rejectUnauthorized: true } : {}),
                },
                app,
              );
        listening.once('error', reject);
        listening.listen(port, host, () => {
          listening.off('error', reject);
          const address = listening.address() as AddressInfo;
          const shownHost = host.includes(':') ? `[${host}]` : host;
          resolve({ url: `${tls === undefined ? 'http' : 'https'}://${shownHost}:${address.port}`, port: address.port });
        });
        listening.keepAliveTimeout = 65_000;
        // Node closes a connection whose whole request has not arrived within `requestTimeout` (300 s by
        // default), which cut streamed batch uploads of tens of thousands of items off mid-stream. Headers
        // keep their deadline (`headersTimeout`); a body is read only for an authenticated key, under its
        // limits, and each write keeps its own deadlines.
        listening.requestTimeout = 0;
        server = listening;
      }),
    stop: async () => {
      draining = true;
      await services.webhooks.stop();
      services.sse.endAll();
      const current = server;
      if (current === undefined) return;
      const closed = new Promise<void>((resolve) => {
        current.close(() => {
          resolve();
        });
      });
      current.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((resolve) => {
            idle = resolve;
          }),
          new Promise<void>((resolve) => setTimeout(resolve, deps.shutdownMs).unref()),
        ]);
      }
      current.closeAllConnections();
      await closed;
    },
  };
}

function send(res: Response, response: StoredResponse): void {
  res.status(response.status);
  if (response.headers !== undefined) res.set(response.headers);
  if (response.body === undefined) res.end();
  else res.json(response.body);
}
