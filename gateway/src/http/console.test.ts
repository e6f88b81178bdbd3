/* eslint-disable @typescript-eslint/no-unsafe-member-access -- response bodies are asserted as loose JSON */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { json, startHarness, type Harness } from '../testing/harness';

/** The web console's static files at `/`, and the sign-in route it uses. */

describe('console assets and whoami', () => {
  let h: Harness;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiseki-console-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Kiseki</title>');
    writeFileSync(join(dir, 'main.js'), `export const x = "${'a'.repeat(4000)}";`);
    h = await startHarness({ consoleDir: dir });
  });
  afterAll(async () => {
    await h.close();
  });

  test('when a browser opens /, then the console page comes with a strict Content-Security-Policy', async () => {
    const res = await h.call('GET', '/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await res.text()).toContain('<title>Kiseki</title>');
    expect((await h.call('GET', '/main.js')).headers.get('content-type')).toMatch(/javascript/);
  });

  test('when the browser accepts gzip, then assets and the OpenAPI document come compressed; an unchanged asset is 304', async () => {
    const js = await h.call('GET', '/main.js', { headers: { 'accept-encoding': 'gzip' } });
    expect(js.headers.get('content-encoding')).toBe('gzip');
    expect(await js.text()).toBe(`export const x = "${'a'.repeat(4000)}";`);
    const plain = await h.call('GET', '/main.js', { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    const again = await h.call('GET', '/main.js', { headers: { 'if-none-match': js.headers.get('etag') ?? '' } });
    expect(again.status).toBe(304);
    const doc = await h.call('GET', '/v1/openapi.json', { headers: { 'accept-encoding': 'gzip, deflate' } });
    expect(doc.headers.get('content-encoding')).toBe('gzip');
    expect((await json(doc)).openapi).toMatch(/^3\.1/);
  });

  test('when a path is neither an asset nor a route, then the API answers 404 as JSON', async () => {
    const res = await h.call('GET', '/no-such-file.js');
    expect(res.status).toBe(404);
    expect((await json(res)).error.code).toBe('NOT_FOUND');
  });

  test('when a key signs in, then whoami tells its role and the gateway org; without a key, 401', async () => {
    const res = await h.call('GET', '/v1/whoami', { role: 'regulator' });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ clientId: 'client-regulator', role: 'regulator', mspId: 'Studio1MSP' });
    expect((await h.call('GET', '/v1/whoami')).status).toBe(401);
    expect((await h.call('GET', '/v1/whoami', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
  });
});
