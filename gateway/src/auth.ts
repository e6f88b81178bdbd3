import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { AppError } from './errors';

/**
 * API-key authentication. Keys are never stored: the keys file holds their SHA-256 digests, each mapped
 * to a client id (recorded with every transaction for audit) and a role. A request without a valid key
 * is 401; a role that may not use a route is 403. The chaincode still enforces the org-level rules.
 */

export const Roles = ['studio-operator', 'licensor-operator', 'provider-agent', 'auditor', 'regulator'] as const;
export type Role = (typeof Roles)[number];

/** Roles that may only read. */
export const READ_ONLY_ROLES: readonly Role[] = ['auditor', 'regulator'];

/** The authenticated caller. */
export interface Principal {
  clientId: string;
  role: Role;
}

const KeyFileSchema = z.strictObject({
  keys: z.array(
    z.strictObject({
      keyHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be the lowercase hex SHA-256 of the key'),
      clientId: z.string().regex(/^[A-Za-z0-9._:@-]{1,128}$/, 'letters, digits and ._:@- only'),
      role: z.enum(Roles),
    }),
  ),
});

export type ApiKeyFile = z.infer<typeof KeyFileSchema>;

/** SHA-256 of an API key, lowercase hex: the only form in which keys are stored. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A fresh random API key (192 bits, URL-safe). */
export function newApiKey(): string {
  return `ksk_${randomBytes(24).toString('base64url')}`;
}

export class ApiKeyStore {
  readonly #byHash: ReadonlyMap<string, Principal>;

  constructor(file: ApiKeyFile) {
    const byHash = new Map<string, Principal>();
    for (const entry of file.keys) byHash.set(entry.keyHash, { clientId: entry.clientId, role: entry.role });
    this.#byHash = byHash;
  }

  /**
   * Reads and validates a keys file.
   * @throws Error naming the file and the bad entries.
   */
  static fromFile(path: string): ApiKeyStore {
    const parsed = KeyFileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new Error(`${path}: invalid API keys file: ${detail}`);
    }
    return new ApiKeyStore(parsed.data);
  }

  /**
   * Finds the principal for the credentials of a request: `Authorization: Bearer <key>` or `X-Api-Key`.
   * @throws AppError `UNAUTHENTICATED` when no key is given or the key is unknown.
   */
  authenticate(authorization: string | undefined, apiKeyHeader: string | undefined): Principal {
    let key = apiKeyHeader?.trim();
    if ((key === undefined || key === '') && authorization !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      key = match?.[1];
    }
    if (key === undefined || key === '') {
      throw new AppError('UNAUTHENTICATED', 'an API key is required (Authorization: Bearer <key>)', {
        headers: { 'WWW-Authenticate': 'Bearer realm="kiseki"' },
      });
    }
    const principal = this.#byHash.get(hashApiKey(key));
    if (principal === undefined) {
      throw new AppError('UNAUTHENTICATED', 'unknown API key', { headers: { 'WWW-Authenticate': 'Bearer realm="kiseki"' } });
    }
    return principal;
  }
}

/**
 * Checks that `principal` holds one of `allowed`.
 * @throws AppError `FORBIDDEN` otherwise.
 */
export function authorize(principal: Principal, allowed: readonly Role[]): void {
  if (!allowed.includes(principal.role)) {
    const readOnly = READ_ONLY_ROLES.includes(principal.role);
    throw new AppError(
      'FORBIDDEN',
      readOnly ? `role ${principal.role} is read-only` : `role ${principal.role} may not do this (allowed: ${allowed.join(', ')})`,
    );
  }
}
