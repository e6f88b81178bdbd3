import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import type { Context } from 'fabric-contract-api';

import { forbidden } from '../shared/errors';
import { type Role, Roles } from '../shared/names';

/** The file, at the root of the chaincode package, that names the consortium's orgs and their roles. */
export const CONSORTIUM_FILE = 'consortium.json';

const MSP_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const ROLE_VALUES: readonly string[] = Object.values(Roles);

/**
 * Reads a consortium file's content into a role table.
 * @throws Error naming the first malformed entry; a chaincode with a broken table must not start.
 */
export function parseConsortium(value: unknown): Record<string, Role> {
  const orgs = (value as { orgs?: unknown } | null)?.orgs;
  if (!Array.isArray(orgs) || orgs.length === 0) throw new Error(`${CONSORTIUM_FILE}: "orgs" must be a non-empty array`);
  const table: Record<string, Role> = {};
  orgs.forEach((entry: unknown, i) => {
    const { mspId, role } = (entry ?? {}) as { mspId?: unknown; role?: unknown };
    if (typeof mspId !== 'string' || !MSP_ID.test(mspId)) throw new Error(`${CONSORTIUM_FILE}: orgs[${i}].mspId is not an MSP ID`);
    if (typeof role !== 'string' || !ROLE_VALUES.includes(role))
      throw new Error(`${CONSORTIUM_FILE}: orgs[${i}].role must be one of ${ROLE_VALUES.join(', ')}`);
    if (Object.prototype.hasOwnProperty.call(table, mspId)) throw new Error(`${CONSORTIUM_FILE}: ${mspId} is listed twice`);
    table[mspId] = role as Role;
  });
  return table;
}

/**
 * The role table ships as data inside the chaincode package (`consortium.json` beside package.json),
 * so a new member changes a file, not code. Every peer running the package reads the same bytes, so
 * the table is as deterministic as the code; changing it is a new package and a new chaincode
 * definition sequence, which the channel's orgs approve by vote before it takes effect.
 */
function loadRoles(file = path.join(__dirname, '..', '..', CONSORTIUM_FILE)): Readonly<Record<string, Role>> {
  if (!existsSync(file)) throw new Error(`${file} is missing: the chaincode needs its consortium table`);
  return Object.freeze(parseConsortium(JSON.parse(readFileSync(file, 'utf8'))));
}

/**
 * Who is calling: the MSP ID of the transaction's creator and the role of that org, from the
 * consortium table of the package. No caller can grant itself a role through state or attributes.
 */
export const ORG_ROLES: Readonly<Record<string, Role>> = loadRoles();

/** The calling org. */
export interface Caller {
  readonly mspId: string;
  readonly role: Role;
}

/** The role of an MSP ID, or `undefined` for an org that is not in the consortium. */
export function roleOf(mspId: string): Role | undefined {
  return Object.prototype.hasOwnProperty.call(ORG_ROLES, mspId) ? ORG_ROLES[mspId] : undefined;
}

/**
 * The calling org and its role.
 * @throws KisekiError `FORBIDDEN` when the caller's MSP is not one of the consortium's orgs.
 */
export function callerOf(ctx: Context): Caller {
  const mspId = ctx.clientIdentity.getMSPID();
  const role = roleOf(mspId);
  if (role === undefined) throw forbidden(`${mspId} is not an org of this consortium`);
  return { mspId, role };
}

/**
 * Admits the caller only if its org has one of `roles`; the regulator is never admitted to a write,
 * whatever `roles` says, so a slip in one contract cannot open a write to it.
 * @param action what the caller tries to do, for the message (`register data`).
 * @throws KisekiError `FORBIDDEN` naming the caller's org, its role and the action.
 */
export function requireRole(ctx: Context, action: string, ...roles: readonly Role[]): Caller {
  const caller = callerOf(ctx);
  if (caller.role === Roles.regulator || !roles.includes(caller.role)) {
    throw forbidden(`${caller.mspId} (${caller.role}) may not ${action}; allowed: ${roles.join(', ') || 'nobody'}`);
  }
  return caller;
}

/**
 * Admits any consortium org (reads, including the regulator's).
 * @throws KisekiError `FORBIDDEN` for an org outside the consortium.
 */
export function requireMember(ctx: Context): Caller {
  return callerOf(ctx);
}

/**
 * Admits only the org `mspId` (e.g. a provider's managing org, a model's owner).
 * @throws KisekiError `FORBIDDEN` naming the org that may.
 */
export function requireOrg(caller: Caller, mspId: string, action: string): void {
  if (caller.mspId !== mspId) throw forbidden(`${caller.mspId} may not ${action}: only ${mspId} may`);
}
