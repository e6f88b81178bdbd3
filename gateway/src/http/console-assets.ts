import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { acceptsGzip } from './gzip';

/**
 * The web console's static files, read once at start and kept in memory with a gzip copy (the bundle is
 * a few files of some hundred KiB): answered with an ETag (304 when unchanged), gzip when the browser
 * accepts it, and a strict Content-Security-Policy — scripts, styles and API calls only from this
 * gateway, no inline script, no framing. Anything else falls through to the API's 404.
 */

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

interface Asset {
  type: string;
  raw: Buffer;
  gzip?: Buffer;
  etag: string;
}

function load(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (!statSync(path).isFile()) continue;
    const type = TYPES[extname(name)];
    if (type === undefined) continue;
    const raw = readFileSync(path);
    const compressible = !type.startsWith('image/png') && raw.length > 1024;
    assets.set(`/${name}`, {
      type,
      raw,
      ...(compressible ? { gzip: gzipSync(raw, { level: 9 }) } : {}),
      etag: `"${createHash('sha256').update(raw).digest('base64url').slice(0, 22)}"`,
    });
  }
  const index = assets.get('/index.html');
  if (index !== undefined) assets.set('/', index);
  return assets;
}

export function consoleAssets(dir: string): RequestHandler {
  const assets = load(dir);
  return (req: Request, res: Response, next: NextFunction) => {
    const asset = req.method === 'GET' || req.method === 'HEAD' ? assets.get(req.path) : undefined;
    if (asset === undefined) {
      next();
      return;
    }
    res.set({
      'Content-Type': asset.type,
      'Content-Security-Policy': CONSOLE_CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-cache',
      ETag: asset.etag,
      Vary: 'Accept-Encoding',
    });
    if (req.get('if-none-match') === asset.etag) {
      res.status(304).end();
      return;
    }
    const body = asset.gzip !== undefined && acceptsGzip(req) ? asset.gzip : asset.raw;
    if (body !== asset.raw) res.set('Content-Encoding', 'gzip');
    res.status(200).set('Content-Length', String(body.length));
    if (req.method === 'HEAD') res.end();
    else res.end(body);
  };
}
