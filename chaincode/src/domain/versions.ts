import type { Judgement } from './lineage';
import type { ModelVersionRecord } from '../shared/records';

/**
 * Rules of model versions for outputs, pure so that `outputs:Register` (which refuses) and
 * `outputs:Verify` (which reports) decide alike.
 */

/** What an output says about its model version, and what the ledger holds. */
export interface VersionFacts {
  readonly modelId: string;
  /** Versions the model has (0 when none were registered). */
  readonly versionCount: number;
  /** The version the output names, if any. */
  readonly requested: number | undefined;
  /** That version's record, when it exists. */
  readonly record: ModelVersionRecord | undefined;
}

/**
 * Why an output cannot name (or must name) this version, or `undefined` when it may: a model with
 * versions needs one named, the named one must exist and be active.
 */
export function versionProblem(facts: VersionFacts): { code: 'INVALID' | 'NOT_FOUND' | 'STATE'; message: string } | undefined {
  const { modelId, versionCount, requested, record } = facts;
  if (requested === undefined) {
    return versionCount > 0
      ? {
          code: 'INVALID',
          message: `modelVersion is required: model ${modelId} has ${versionCount} version${versionCount === 1 ? '' : 's'}`,
        }
      : undefined;
  }
  if (record === undefined) return { code: 'NOT_FOUND', message: `version ${requested} of model ${modelId} does not exist` };
  if (record.status === 'revoked') return { code: 'STATE', message: `version ${requested} of model ${modelId} is revoked` };
  return undefined;
}

/**
 * Folds the output's version into the lineage judgement: a missing or revoked version makes the output
 * `unauthorized`; an output of a model without versions is judged on its lineage alone.
 */
export function withVersion(judgement: Judgement, facts: VersionFacts): Judgement {
  if (facts.requested === undefined) return judgement;
  const problem = versionProblem(facts);
  if (problem === undefined) return judgement;
  return { verdict: 'unauthorized', reasons: [problem.message, ...judgement.reasons] };
}
