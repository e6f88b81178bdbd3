import type { Request } from 'express';

/** Whether the request accepts gzip (a plain token check; `gzip;q=0` counts as refusing). */
export function acceptsGzip(req: Request): boolean {
  const header = req.get('accept-encoding') ?? '';
  return header.split(',').some((part) => {
    const [token, ...params] = part.trim().split(';');
    return token?.trim().toLowerCase() === 'gzip' && !params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p));
  });
}
