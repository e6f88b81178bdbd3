import fc from 'fast-check';

import type { RightsRecord, RightsTransferRecord } from '../ledger/records';
import { KisekiError } from '../shared/errors';
import { LICENSOR, REGULATOR, RoyaltyWorld, STUDIO1, STUDIO2 } from '../testing/royalty-fixture';

import type { Totals } from './revenue';
import { Keys } from '../ledger/keys';

/**
 * Random sequences of transfer proposals, approvals, executions, cancellations and revenue reports by
 * random orgs (the regulator and an outsider included): no share ever moves without its holder org's
 * recorded consent (it proposed the transfer or approved it on chain), shares always sum to 10000,
 * and the money invariant holds to the unit.
 */

const ORGS = [STUDIO1, STUDIO2, LICENSOR, REGULATOR, 'OutsiderMSP'] as const;

interface Step {
  readonly kind: 'propose' | 'approve' | 'execute' | 'cancel' | 'revenue';
  readonly by: number;
  readonly from: number;
  readonly to: number;
  readonly share: number;
  readonly clause: number;
  readonly transfer: number;
  readonly amount: bigint;
}

const steps: fc.Arbitrary<Step[]> = fc.array(
  fc.record({
    kind: fc.constantFrom('propose', 'propose', 'approve', 'approve', 'execute', 'cancel', 'revenue', 'revenue'),
    by: fc.nat({ max: ORGS.length - 1 }),
    from: fc.nat({ max: 5 }),
    to: fc.nat({ max: 5 }),
    share: fc.integer({ min: 1, max: 6000 }),
    clause: fc.nat({ max: 3 }),
    transfer: fc.nat({ max: 7 }),
    amount: fc.bigInt({ min: 1n, max: 10n ** 9n }),
  }),
  { minLength: 1, maxLength: 16 },
);

/** Holder ids and their orgs (the ones that exist at start, and newcomers a transfer may create). */
const HOLDERS = [
  { holderId: 's1', mspId: STUDIO1 },
  { holderId: 's2', mspId: STUDIO2 },
  { holderId: 'lic', mspId: LICENSOR },
  { holderId: 's1b', mspId: STUDIO1 },
  { holderId: 's2b', mspId: STUDIO2 },
  { holderId: 'licb', mspId: LICENSOR },
] as const;

async function build(): Promise<RoyaltyWorld> {
  const w = new RoyaltyWorld();
  await w.publishTerms('t', 2500);
  await w.trainModel('m', { p1: 2, p2: 1 }, { termsId: 't' });
  await w.call(w.rights, 'Create', STUDIO1, {
    rightsId: 'r',
    subjectType: 'model',
    subjectId: 'm',
    licensorMsp: LICENSOR,
    holders: [
      { holderId: 's1', mspId: STUDIO1, shareBps: 5000 },
      { holderId: 's2', mspId: STUDIO2, shareBps: 3000 },
      { holderId: 'lic', mspId: LICENSOR, shareBps: 2000 },
    ],
  });
  return w;
}

const rightsOf = (w: RoyaltyWorld): RightsRecord => w.ledger.getJson(Keys.rights('r')) as RightsRecord;
const transferOf = (w: RoyaltyWorld, id: string): RightsTransferRecord | undefined =>
  w.ledger.getJson(Keys.rightsTransfer(id)) as RightsTransferRecord | undefined;

/** Refusals are part of the game; anything but a coded refusal is a bug. */
async function attempt(call: Promise<unknown>): Promise<boolean> {
  try {
    await call;
    return true;
  } catch (error) {
    if (error instanceof KisekiError) return false;
    throw error;
  }
}

describe('consent over random sequences', () => {
  it("when random orgs propose, approve, execute, cancel and report revenue, then no share moves without its holder org's consent and money balances", async () => {
    await fc.assert(
      fc.asyncProperty(steps, async (plan) => {
        const w = await build();
        const proposed: string[] = [];
        let reference = 0;
        for (const step of plan) {
          const by = ORGS[step.by] as string;
          const before = rightsOf(w);
          const executedBefore = new Set(proposed.filter((id) => transferOf(w, id)?.status === 'executed'));
          switch (step.kind) {
            case 'propose': {
              const from = HOLDERS[step.from] as (typeof HOLDERS)[number];
              const to = HOLDERS[step.to] as (typeof HOLDERS)[number];
              const clauses = [
                { notBefore: '2020-01-01T00:00:00Z' },
                { approvals: [ORGS[step.by % 3] as string] },
                { revenueThreshold: { subjectType: 'model', subjectId: 'm', currency: 'JPY', amount: '1000' } },
                { notBefore: '2020-01-01T00:00:00Z', approvals: [STUDIO2] },
              ];
              const transferId = `tr-${proposed.length}`;
              const request = {
                transferId,
                rightsId: 'r',
                fromHolderId: from.holderId,
                toHolderId: to.holderId,
                toMspId: to.mspId,
                shareBps: step.share,
                condition: clauses[step.clause],
              };
              if (await attempt(w.call(w.rights, 'ProposeTransfer', by, request))) proposed.push(transferId);
              break;
            }
            case 'approve':
            case 'execute':
            case 'cancel': {
              const transferId = proposed[step.transfer % Math.max(proposed.length, 1)];
              if (transferId === undefined) break;
              const fn = step.kind === 'approve' ? 'ApproveTransfer' : step.kind === 'execute' ? 'ExecuteTransfer' : 'CancelTransfer';
              await attempt(w.call(w.rights, fn, by, { transferId }));
              break;
            }
            case 'revenue':
              reference += 1;
              await attempt(
                w.call(w.revenue, 'Record', by, {
                  subjectType: 'model',
                  subjectId: 'm',
                  amount: step.amount.toString(),
                  currency: 'JPY',
                  reference: `ref-${reference}`,
                }),
              );
              break;
          }

          // Every transfer executed by this step had its sender org's consent on the ledger.
          const after = rightsOf(w);
          const newlyExecuted = proposed
            .map((id) => transferOf(w, id) as RightsTransferRecord)
            .filter((t) => t.status === 'executed' && !executedBefore.has(t.transferId));
          for (const transfer of newlyExecuted) {
            const senderMsp =
              before.holders.find((h) => h.holderId === transfer.fromHolderId)?.mspId ??
              HOLDERS.find((h) => h.holderId === transfer.fromHolderId)?.mspId;
            expect(senderMsp).toBeDefined();
            expect([transfer.createdBy, ...transfer.approvedBy]).toContain(senderMsp);
          }
          // Shares change only by those transfers: each holder's loss is what its executed transfers sent.
          const share = (rights: RightsRecord, holderId: string): number =>
            rights.holders.find((h) => h.holderId === holderId)?.shareBps ?? 0;
          for (const holder of HOLDERS) {
            const sent = newlyExecuted.filter((t) => t.fromHolderId === holder.holderId).reduce((acc, t) => acc + t.shareBps, 0);
            const received = newlyExecuted.filter((t) => t.toHolderId === holder.holderId).reduce((acc, t) => acc + t.shareBps, 0);
            expect(share(after, holder.holderId)).toBe(share(before, holder.holderId) - sent + received);
          }
          expect(after.holders.reduce((acc, h) => acc + h.shareBps, 0)).toBe(10_000);
        }
        const totals = await w.call<Totals>(w.revenue, 'Totals', REGULATOR, { currency: 'JPY' });
        expect(totals.balanced).toBe(true);
      }),
      { numRuns: 30 },
    );
  });
});
