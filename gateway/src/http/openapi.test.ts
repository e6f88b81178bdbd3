/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment --
   response bodies are asserted as loose JSON */
import { json, startHarness, type Harness } from '../testing/harness';
import { allRoutes } from './routes';
import { openApiPath } from './route';

/** The served OpenAPI document and the Express router must describe the same API. */

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every (method, path) Express will answer, found by walking the router's layers. */
function expressRoutes(stack: Layer[]): string[] {
  const out: string[] = [];
  for (const layer of stack) {
    if (layer.route !== undefined) {
      for (const [method, on] of Object.entries(layer.route.methods))
        if (on && method !== '_all') out.push(`${method.toUpperCase()} ${openApiPath(layer.route.path)}`);
    } else if (layer.handle?.stack !== undefined) {
      out.push(...expressRoutes(layer.handle.stack));
    }
  }
  return out.sort();
}

describe('OpenAPI document', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  test('when served, then it is OpenAPI 3.1 without a key', async () => {
    const res = await h.call('GET', '/v1/openapi.json');
    expect(res.status).toBe(200);
    const doc = await json(res);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  test('when compared with the Express router, then every route is documented and every documented route exists', async () => {
    const doc = (await json(await h.call('GET', '/v1/openapi.json'))) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    const router = (h.app.app as unknown as { router: { stack: Layer[] } }).router;
    const served = expressRoutes(router.stack);
    expect(served.length).toBeGreaterThan(40);
    expect(served).toEqual(documented);
  });

  test('when generated, then operation ids are unique and every $ref resolves', () => {
    const { routes, openApi } = allRoutes();
    const ids = routes.map((r) => r.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const schemas = (openApi.components as { schemas: Record<string, unknown> }).schemas;
    const refs = JSON.stringify(openApi).match(/#\/components\/schemas\/[A-Za-z0-9_]+/g) ?? [];
    for (const ref of refs) expect(schemas).toHaveProperty(ref.split('/').pop() as string);
  });

  test('when a route writes, then it documents the Idempotency-Key header and its roles', () => {
    const { openApi } = allRoutes();
    const upload = (openApi.paths as Record<string, Record<string, { parameters: { name: string }[]; 'x-kiseki-roles': string[] }>>)[
      '/v1/data'
    ]?.post;
    expect(upload?.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(['dataId', 'providerId', 'termsId', 'Idempotency-Key']));
    expect(upload?.['x-kiseki-roles']).toEqual(['studio-operator']);
  });
});
