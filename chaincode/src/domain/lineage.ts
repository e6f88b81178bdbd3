import type { ModelStatus } from '../shared/records';

/**
 * The verdict on an output's lineage (output → model → base models), pure so `outputs:Register`
 * (which refuses anything but `authorized`) and `outputs:Verify` (which reports) judge alike.
 *
 * - `authorized`: every model of the chain exists, is sealed and not revoked, and no training item
 *   of any of them has had its consent revoked or been disputed since it was attested.
 * - `flagged`: the chain is sealed and not revoked, but some training items were revoked or disputed
 *   after training (outputs registered before that stay on the ledger; new ones are refused).
 * - `unauthorized`: a model of the chain is revoked, not sealed, or missing.
 */
export const Verdicts = ['authorized', 'flagged', 'unauthorized'] as const;
export type Verdict = (typeof Verdicts)[number];

/** What the judgement needs about one model of the chain. */
export interface ModelFacts {
  readonly modelId: string;
  /** `undefined` when the model record does not exist. */
  readonly status: ModelStatus | undefined;
  /** Training items whose consent was revoked after they were attested. */
  readonly consentRevoked: number;
  /** Training items disputed after they were attested. */
  readonly disputed: number;
  /** More status changes are waiting to be propagated than one judgement reads: assume the worst. */
  readonly flagsUnknown?: boolean;
}

/** A verdict and every reason for it (empty for `authorized`). */
export interface Judgement {
  readonly verdict: Verdict;
  readonly reasons: readonly string[];
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/**
 * Judges a lineage chain, the output's model first and its bases after it.
 */
export function judgeLineage(chain: readonly ModelFacts[]): Judgement {
  const unauthorized: string[] = [];
  const flagged: string[] = [];
  chain.forEach((model, depth) => {
    const role = depth === 0 ? `model ${model.modelId}` : `base model ${model.modelId}`;
    if (model.status === undefined) unauthorized.push(`${role} does not exist`);
    else if (model.status === 'revoked') unauthorized.push(`${role} is revoked`);
    else if (model.status !== 'sealed') unauthorized.push(`${role} is not sealed (${model.status})`);
    if (model.consentRevoked > 0) {
      flagged.push(
        `${role}: ${plural(model.consentRevoked, 'training item had its', 'training items had their')} consent revoked after training`,
      );
    }
    if (model.disputed > 0) {
      flagged.push(`${role}: ${plural(model.disputed, 'training item is', 'training items are')} disputed`);
    }
    if (model.flagsUnknown === true) flagged.push(`${role}: flag propagation is behind; run data:PropagateFlags`);
  });
  if (chain.length === 0) unauthorized.push('no model');
  if (unauthorized.length > 0) return { verdict: 'unauthorized', reasons: [...unauthorized, ...flagged] };
  if (flagged.length > 0) return { verdict: 'flagged', reasons: flagged };
  return { verdict: 'authorized', reasons: [] };
}
