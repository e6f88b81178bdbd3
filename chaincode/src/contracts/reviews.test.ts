import { RightsContract } from './rights';
import type { ReviewRecord, ReviewSummaryRecord } from '../ledger/records';
import { EventNames } from '../shared/names';
import { Orgs, ProvenanceWorld, digestOf, refusal } from '../testing/provenance-fixtures';

type Submitted = { review: ReviewRecord; summary: ReviewSummaryRecord };

const review = (
  reviewId: string,
  subjectType: string,
  subjectId: string,
  outcome: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> => ({
  reviewId,
  subjectType,
  subjectId,
  outcome,
  ...extra,
});

describe('reviews contract', () => {
  let world: ProvenanceWorld;
  beforeEach(async () => {
    world = new ProvenanceWorld({ startTime: '2025-04-01T00:00:00Z' }, { rights: new RightsContract() });
    await world.sealedModel('m-1', { 'p-1': ['a-1', 'a-2'] });
    await world.invoke('outputs', 'Register', Orgs.studio1, {
      outputId: 'o-1',
      modelId: 'm-1',
      contentDigest: digestOf('o-1'),
      mediaType: 'image/png',
      rightsIds: [],
    });
  });

  describe('Submit', () => {
    it('when the owner studio accepts its output, then the review, history and summary are recorded with one event', async () => {
      const out = await world.invoke('reviews', 'Submit', Orgs.studio1, review('rv-1', 'output', 'o-1', 'accepted'));
      const { review: record, summary } = out.result as Submitted;
      expect(record).toEqual({
        docType: 'review',
        reviewId: 'rv-1',
        subjectType: 'output',
        subjectId: 'o-1',
        reviewerMsp: Orgs.studio1,
        reviewerRole: 'owner',
        outcome: 'accepted',
        createdBy: Orgs.studio1,
        createdAt: out.timestamp,
      });
      expect(summary).toMatchObject({ count: 1, accepted: 1, rejected: 0, flagged: 0, latestReviewId: 'rv-1', latestAt: out.timestamp });
      expect(out.event).toEqual({ name: EventNames.ReviewSubmitted, payload: out.result });
    });

    it('when the licensor whose terms trained the model flags the output, then it is recorded as terms issuer and verification shows the latest', async () => {
      await world.invoke('reviews', 'Submit', Orgs.studio1, review('rv-1', 'output', 'o-1', 'accepted'));
      const out = await world.invoke(
        'reviews',
        'Submit',
        Orgs.licensor,
        review('rv-2', 'output', 'o-1', 'flagged', { category: 'style', reason: 'off-model eyes', reportDigest: digestOf('report') }),
      );
      expect((out.result as Submitted).review).toMatchObject({
        reviewerMsp: Orgs.licensor,
        reviewerRole: 'terms-issuer',
        category: 'style',
      });
      const history = (await world.invoke('reviews', 'History', Orgs.regulator, { subjectType: 'output', subjectId: 'o-1' })).result as {
        items: ReviewRecord[];
      };
      expect(history.items.map((r) => [r.reviewId, r.outcome])).toEqual([
        ['rv-1', 'accepted'],
        ['rv-2', 'flagged'],
      ]);
      const verification = (await world.invoke('outputs', 'Verify', Orgs.regulator, 'o-1')).result as { review: ReviewSummaryRecord };
      expect(verification.review).toMatchObject({
        count: 2,
        accepted: 1,
        flagged: 1,
        latestReviewId: 'rv-2',
        latestOutcome: 'flagged',
        latestReviewerMsp: Orgs.licensor,
      });
    });

    it('when a studio holds rights on the output, then it may review it', async () => {
      await world.invoke('rights', 'Create', Orgs.studio1, {
        rightsId: 'r-o1',
        subjectType: 'output',
        subjectId: 'o-1',
        holders: [
          { holderId: 's1', mspId: Orgs.studio1, shareBps: 6000 },
          { holderId: 's2', mspId: Orgs.studio2, shareBps: 4000 },
        ],
        licensorMsp: Orgs.licensor,
      });
      const out = await world.invoke(
        'reviews',
        'Submit',
        Orgs.studio2,
        review('rv-1', 'output', 'o-1', 'rejected', { reason: 'colour inconsistent with episode 3' }),
      );
      expect((out.result as Submitted).review.reviewerRole).toBe('rights-holder');
    });

    it('when an org with no role in the output reviews it, then FORBIDDEN and nothing changes', async () => {
      const before = world.ledger.dump();
      const error = await refusal(world.invoke('reviews', 'Submit', Orgs.studio2, review('rv-1', 'output', 'o-1', 'accepted')));
      expect(error.message).toMatch(/^FORBIDDEN: Studio2MSP may not review output o-1: it has no role in it/);
      expect(world.ledger.dump()).toBe(before);
    });

    it.each([Orgs.regulator, 'OutsiderMSP'])('when %s reviews, then FORBIDDEN', async (mspId) => {
      expect((await refusal(world.invoke('reviews', 'Submit', mspId, review('rv-1', 'output', 'o-1', 'accepted')))).message).toMatch(
        /^FORBIDDEN: /,
      );
    });

    it('when a data item is reviewed, then its owner and its terms issuer may, a studio with no role may not', async () => {
      const roles = [];
      for (const [i, mspId] of [Orgs.studio1, Orgs.licensor].entries()) {
        roles.push(
          ((await world.invoke('reviews', 'Submit', mspId, review(`rv-${i}`, 'data', 'a-1', 'accepted'))).result as Submitted).review
            .reviewerRole,
        );
      }
      expect(roles).toEqual(['owner', 'terms-issuer']);
      expect((await refusal(world.invoke('reviews', 'Submit', Orgs.studio2, review('rv-x', 'data', 'a-1', 'accepted')))).message).toMatch(
        /^FORBIDDEN: /,
      );
    });

    it('when the outcome lacks its reason or category, or the subject or ID is wrong, then INVALID, NOT_FOUND or CONFLICT', async () => {
      expect((await refusal(world.invoke('reviews', 'Submit', Orgs.studio1, review('rv-1', 'output', 'o-1', 'rejected')))).message).toMatch(
        /^INVALID: .*reason: is required when the outcome is rejected/,
      );
      expect(
        (await refusal(world.invoke('reviews', 'Submit', Orgs.studio1, review('rv-1', 'output', 'o-1', 'flagged', { reason: 'x' }))))
          .message,
      ).toMatch(/^INVALID: .*category: is required/);
      expect(
        (await refusal(world.invoke('reviews', 'Submit', Orgs.studio1, review('rv-1', 'output', 'o-1', 'accepted', { category: 'style' }))))
          .message,
      ).toMatch(/^INVALID: .*category: is only given/);
      expect((await refusal(world.invoke('reviews', 'Submit', Orgs.studio1, review('rv-1', 'model', 'm-1', 'accepted')))).message).toMatch(
        /^INVALID: .*subjectType/,
      );
      expect((await refusal(world.invoke('reviews', 'Submit', Orgs.studio1, review('rv-1', 'output', 'o-9', 'accepted')))).message).toMatch(
        /^NOT_FOUND: output o-9/,
      );
      await world.invoke('reviews', 'Submit', Orgs.studio1, review('rv-1', 'output', 'o-1', 'accepted'));
      expect((await refusal(world.invoke('reviews', 'Submit', Orgs.studio1, review('rv-1', 'output', 'o-1', 'accepted')))).message).toMatch(
        /^CONFLICT: review rv-1/,
      );
    });

    it('when a subject was never reviewed, then its summary counts zero and its history is empty', async () => {
      expect((await world.invoke('reviews', 'Summary', Orgs.regulator, { subjectType: 'data', subjectId: 'a-1' })).result).toEqual({
        subjectType: 'data',
        subjectId: 'a-1',
        count: 0,
        accepted: 0,
        rejected: 0,
        flagged: 0,
      });
      expect((await world.invoke('reviews', 'History', Orgs.regulator, { subjectType: 'data', subjectId: 'a-1' })).result).toEqual({
        items: [],
        bookmark: '',
      });
    });
  });

  describe('training exclusions', () => {
    beforeEach(async () => {
      await world.registerData(['b-1', 'b-2'], 'p-1', 'terms-1');
      await world.invoke(
        'reviews',
        'Submit',
        Orgs.licensor,
        review('rv-rej', 'data', 'b-1', 'rejected', { reason: 'traced from a copyrighted cel' }),
      );
      await world.invoke('reviews', 'Submit', Orgs.studio1, review('rv-ok', 'data', 'b-2', 'accepted'));
      await world.registerModel('m-2');
    });

    it('when the owner excludes a rejected item, then training batches refuse it until the exclusion is lifted', async () => {
      const out = await world.invoke('reviews', 'ExcludeFromTraining', Orgs.studio1, { dataId: 'b-1', reviewId: 'rv-rej' });
      expect(out.event).toEqual({
        name: EventNames.TrainingExclusionChanged,
        payload: { dataId: 'b-1', excluded: true, reviewId: 'rv-rej', ownerMsp: Orgs.studio1 },
      });
      expect((await world.invoke('reviews', 'GetExclusion', Orgs.regulator, 'b-1')).result).toMatchObject({
        dataId: 'b-1',
        reviewId: 'rv-rej',
      });
      const error = await refusal(world.attest('m-2', ['b-1', 'b-2']));
      expect(error.message).toMatch(
        /^STATE: batch refused; may not be trained on: b-1: excluded from training by its owner after review rv-rej$/,
      );
      await world.invoke('reviews', 'IncludeInTraining', Orgs.studio1, { dataId: 'b-1', reason: 'cleared after appeal' });
      expect((await refusal(world.invoke('reviews', 'GetExclusion', Orgs.regulator, 'b-1'))).message).toMatch(/^NOT_FOUND: /);
      await world.attest('m-2', ['b-1', 'b-2']);
    });

    it('when a rejected item is not excluded, then it may still be trained on (the owner chooses)', async () => {
      await world.attest('m-2', ['b-1']);
    });

    it('when someone other than the owner excludes, or the review is not a rejection of the item, then FORBIDDEN or STATE', async () => {
      expect(
        (await refusal(world.invoke('reviews', 'ExcludeFromTraining', Orgs.licensor, { dataId: 'b-1', reviewId: 'rv-rej' }))).message,
      ).toMatch(/^FORBIDDEN: /);
      expect(
        (await refusal(world.invoke('reviews', 'ExcludeFromTraining', Orgs.studio2, { dataId: 'b-1', reviewId: 'rv-rej' }))).message,
      ).toMatch(/^FORBIDDEN: Studio2MSP may not exclude/);
      expect(
        (await refusal(world.invoke('reviews', 'ExcludeFromTraining', Orgs.studio1, { dataId: 'b-2', reviewId: 'rv-ok' }))).message,
      ).toMatch(/^STATE: review rv-ok is not a rejection of data item b-2/);
      expect(
        (await refusal(world.invoke('reviews', 'ExcludeFromTraining', Orgs.studio1, { dataId: 'b-2', reviewId: 'rv-rej' }))).message,
      ).toMatch(/^STATE: /);
      await world.invoke('reviews', 'ExcludeFromTraining', Orgs.studio1, { dataId: 'b-1', reviewId: 'rv-rej' });
      expect(
        (await refusal(world.invoke('reviews', 'ExcludeFromTraining', Orgs.studio1, { dataId: 'b-1', reviewId: 'rv-rej' }))).message,
      ).toMatch(/^STATE: .*already excluded/);
      expect((await refusal(world.invoke('reviews', 'IncludeInTraining', Orgs.studio2, { dataId: 'b-1', reason: 'x' }))).message).toMatch(
        /^FORBIDDEN: /,
      );
      expect((await refusal(world.invoke('reviews', 'IncludeInTraining', Orgs.studio1, { dataId: 'b-2', reason: 'x' }))).message).toMatch(
        /^STATE: .*not excluded/,
      );
    });
  });
});
