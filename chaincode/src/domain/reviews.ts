import type { ReviewCategory, ReviewOutcome } from '../shared/records';
import type { Issue } from '../shared/validate';

/**
 * What a review must say for its outcome, pure so it can be tested without a ledger: a rejection needs
 * its reason, a flag needs its category (style or consistency) and a reason; only a flag has a category.
 */
export function reviewIssues(outcome: ReviewOutcome, reason: string | undefined, category: ReviewCategory | undefined): Issue[] {
  const issues: Issue[] = [];
  if ((outcome === 'rejected' || outcome === 'flagged') && reason === undefined) {
    issues.push({ path: 'reason', message: `is required when the outcome is ${outcome}` });
  }
  if (outcome === 'flagged' && category === undefined)
    issues.push({ path: 'category', message: 'is required when the outcome is flagged' });
  if (outcome !== 'flagged' && category !== undefined)
    issues.push({ path: 'category', message: 'is only given when the outcome is flagged' });
  return issues;
}
