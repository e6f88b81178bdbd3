import type { Context } from 'fabric-contract-api';

import { forbidden } from '../shared/errors';
import { type Role, Roles } from '../shared/names';

/**
 * Who is calling: the MSP ID of the transaction's creator and the role of that org. Roles are a
 * constant of the chaincode (adding an org to the consortium is a chaincode upgrade, reviewed by every
 * org), so no caller can grant itself a role through state or attributes.
 */
export const ORG_ROLES: Readonly<Record<string, Role>> = Object.freeze({
  Studio1MSP: Roles.studio,
  Studio2MSP: Roles.studio,
  LicensorMSP: Roles.licensor,
  RegulatorMSP: Roles.regulator,
});

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
