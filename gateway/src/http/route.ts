import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { Principal, Role } from '../auth';
import type { Logger } from '../logger';
import type { Services } from '../use-cases/services';

/**
 * A route is declared once, as data: method, path, who may call it, the schemas of its inputs and
 * outputs, and a thin handler that calls a use case. The Express router and the OpenAPI document are
 * both built from these declarations.
 */

export type HttpMethod = 'get' | 'post' | 'delete';

/** Every role: any authenticated client. */
export const ANY_ROLE: readonly Role[] = ['studio-operator', 'licensor-operator', 'provider-agent', 'auditor', 'regulator'];

export interface RouteContext<P, Q, B> {
  /** The caller; always set on authenticated routes. */
  principal: Principal;
  params: P;
  query: Q;
  body: B;
  req: Request;
  res: Response;
  requestId: string;
  log: Logger;
  services: Services;
}

/** What a handler returns: a JSON response, or `streamed` when it wrote the response itself. */
export type RouteResult = { status: number; body?: unknown; headers?: Record<string, string> } | { streamed: true };

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json. */
  contentType?: string;
}

export interface UploadSpec {
  description: string;
  /** The media type of the streamed body when it is a format of its own; any type when absent. */
  contentType?: string;
}

export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  method: HttpMethod;
  /** Express path, e.g. `/v1/data/:dataId`. */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  /** `public`: no key needed; otherwise the roles allowed. */
  access: 'public' | readonly Role[];
  /**
   * Part of the unauthenticated verification surface: answered only when it is enabled in the config,
   * and rate-limited per client address (429 past the limit).
   */
  publicVerification?: true;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  /** JSON request body. */
  body?: z.ZodType<B>;
  /** Raw streamed request body (uploads); metadata comes in the query. */
  upload?: UploadSpec;
  /** A response that stays open (event streams): counted against the stream cap, not the in-flight cap. */
  longLived?: boolean;
  /** POSTs honour Idempotency-Key unless this is false. */
  idempotent?: boolean;
  responses: Readonly<Record<number, ResponseSpec>>;
  handler(ctx: RouteContext<P, Q, B>): Promise<RouteResult>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteSpec<any, any, any>;

/** Declares a route with its input types inferred from its schemas. */
export function route<P = Record<string, never>, Q = Record<string, never>, B = undefined>(spec: RouteSpec<P, Q, B>): AnyRoute {
  return spec as AnyRoute;
}

/** Express path → OpenAPI path (`/v1/data/:dataId` → `/v1/data/{dataId}`). */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
