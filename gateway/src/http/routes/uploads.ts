import type { Request } from 'express';
import { AppError } from '../../errors';
import { MediaType } from '../validation';
import { mediaTypeOf } from './common';

/** Checks an upload's declared media type and length before any byte is read. */
export function uploadPreflight(req: Request, explicitMediaType: string | undefined, maxBytes: number): string {
  const mediaType = explicitMediaType ?? mediaTypeOf(req.get('content-type'));
  if (mediaType === undefined || !MediaType.safeParse(mediaType).success) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'send the content with a Content-Type such as image/png (or give mediaType in the query)');
  }
  const declared = req.get('content-length');
  if (declared !== undefined && Number(declared) > maxBytes) {
    throw new AppError('PAYLOAD_TOO_LARGE', `the upload exceeds the limit of ${maxBytes} bytes`);
  }
  return mediaType;
}

/** Fails fast with 409 when a record with this ID exists, before the bytes are streamed. */
export async function requireAbsent(found: () => Promise<unknown>, what: string): Promise<void> {
  try {
    await found();
  } catch (error) {
    if (error instanceof AppError && error.code === 'NOT_FOUND') return;
    throw error;
  }
  throw new AppError('CONFLICT', `${what} is already registered`);
}
