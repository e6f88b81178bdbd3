import { z } from 'zod';
import { openApiPath, type AnyRoute } from './route';

/**
 * The OpenAPI 3.1 document, generated from the same route declarations that build the Express router,
 * with JSON Schemas (2020-12, as OpenAPI 3.1 uses) from the zod schemas that validate requests.
 */

type Json = Record<string, unknown>;

/** Converts a zod schema to JSON Schema, moving named sub-schemas into `components.schemas`. */
function toSchema(schema: z.ZodType, io: 'input' | 'output', components: Json): Json {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  const defs = (json.$defs ?? {}) as Record<string, Json>;
  delete json.$defs;
  delete json.$schema;
  for (const [id, def] of Object.entries(defs)) components[id] ??= rewriteRefs(def);
  return rewriteRefs(json);
}

function rewriteRefs<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => rewriteRefs(v)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value as Json)) {
    out[k] = k === '$ref' && typeof v === 'string' ? v.replace('#/$defs/', '#/components/schemas/') : rewriteRefs(v);
  }
  return out as T;
}

/** Parameters from an object schema's properties. */
function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query', components: Json): Json[] {
  if (schema === undefined) return [];
  const json = toSchema(schema, 'input', components);
  const properties = (json.properties ?? {}) as Record<string, Json>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: property,
  }));
}

export function buildOpenApi(routes: readonly AnyRoute[], info: { title: string; version: string; description?: string }): Json {
  const components: Json = {};
  const paths: Record<string, Record<string, Json>> = {};
  for (const spec of routes) {
    const parameters = [...parametersOf(spec.params, 'path', components), ...parametersOf(spec.query, 'query', components)];
    if (spec.method === 'post' && spec.idempotent !== false && spec.access !== 'public') {
      parameters.push({
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description: 'A retry with the same key returns the first result instead of running again',
        schema: { type: 'string', minLength: 1, maxLength: 255 },
      });
    }
    if (spec.operationId === 'streamEvents') {
      parameters.push({
        name: 'Last-Event-ID',
        in: 'header',
        required: false,
        description: 'Resume right after this event',
        schema: { type: 'string' },
      });
    }
    const operation: Json = {
      operationId: spec.operationId,
      summary: spec.summary,
      tags: [spec.tag],
      security: spec.access === 'public' ? [] : [{ apiKey: [] }],
      ...(spec.access === 'public' ? {} : { 'x-kiseki-roles': [...spec.access] }),
      ...(parameters.length === 0 ? {} : { parameters }),
      responses: Object.fromEntries(
        Object.entries(spec.responses).map(([status, response]) => [
          status,
          {
            description: response.description,
            ...(response.schema === undefined && response.contentType === undefined
              ? {}
              : {
                  content: {
                    [response.contentType ?? 'application/json']: {
                      schema: response.schema === undefined ? { type: 'string' } : toSchema(response.schema, 'output', components),
                    },
                  },
                }),
          },
        ]),
      ),
    };
    if (spec.body !== undefined) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: toSchema(spec.body, 'input', components) } } };
    } else if (spec.upload !== undefined) {
      operation.requestBody = {
        required: true,
        description: spec.upload.description,
        content: {
          [spec.upload.contentType ?? '*/*']: {
            schema: { type: 'string', contentMediaType: spec.upload.contentType ?? 'application/octet-stream' },
          },
        },
      };
    }
    (paths[openApiPath(spec.path)] ??= {})[spec.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info,
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: Authorization: Bearer <key> (or X-Api-Key: <key>)' },
      },
    },
  };
}
