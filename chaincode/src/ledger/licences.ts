import { grantRefusal, type LicenceUse } from '../domain/licences';
import { type GrantRecord, GrantType, TermsType } from './records';
import type { KisekiContext } from './context';
import type { Caller } from './identity';
import { Keys } from './keys';
import { requireRecord } from './state';
import { txTimeMs } from './time';
import { forbidden, wrongState } from '../shared/errors';

/**
 * The ledger side of licence grants, shared by the contracts that let one org use another's asset
 * (models: fine-tuning and training; outputs; revenue): read the grant and its terms' current version
 * and decide through domain/licences.
 */

/**
 * The grant `grantId` (a purchaseId), checked to allow `use` of `subject` by the caller now.
 * @throws KisekiError `NOT_FOUND` for the grant or its terms; `FORBIDDEN` when it is another org's
 *   or covers another subject; `STATE` when it is withdrawn, expired, or its terms do not allow the use.
 */
export async function requireGrantFor(
  ctx: KisekiContext,
  caller: Caller,
  grantId: string,
  subject: { subjectType: string; subjectId: string },
  use: LicenceUse,
  territory?: string,
): Promise<GrantRecord> {
  const grant = await requireRecord(ctx, Keys.grant(grantId), GrantType, `grant ${grantId}`);
  const terms = await requireRecord(ctx, Keys.terms(grant.termsId), TermsType, `terms ${grant.termsId}`);
  const refusal = grantRefusal({ grant, terms, callerMsp: caller.mspId, subject, use, atMs: txTimeMs(ctx), territory });
  if (refusal !== undefined) {
    const message = `${caller.mspId} may not use ${subject.subjectType} ${subject.subjectId} for ${use}: ${refusal.reason}`;
    throw refusal.code === 'FORBIDDEN' ? forbidden(message) : wrongState(message);
  }
  return grant;
}
