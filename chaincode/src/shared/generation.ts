import { toJson } from './codec';
import { sha256Hex } from './artifacts';
import { Fields, type Issue, isPlainObject } from './validate';

/**
 * Generation records: how an output was made — the model version, the prompt and negative prompt (or
 * only their SHA-256, for privacy), seed, sampler, steps, guidance, other parameters, and the software
 * that ran. The record is kept in the owner's vault as sorted-key JSON; the ledger holds its SHA-256
 * (`generationDigest` of the output). Pure, so the gateway, the demo and any verifier agree on the bytes.
 */

export const GENERATION_FORMAT = 'kiseki.generation/v1';
/** Longest prompt or negative prompt kept in full, in characters. */
export const MAX_PROMPT_LENGTH = 32_768;
/** Largest `params` object, as canonical JSON characters. */
export const MAX_PARAMS_LENGTH = 65_536;

/** A canonical generation record. */
export interface GenerationRecord {
  readonly format: typeof GENERATION_FORMAT;
  readonly outputId: string;
  readonly modelId: string;
  readonly modelVersion: number;
  /** The prompt in full, or absent when only its digest is kept. */
  readonly prompt?: string;
  /** SHA-256 of the prompt's UTF-8 bytes (always present). */
  readonly promptDigest: string;
  readonly negativePrompt?: string;
  readonly negativePromptDigest?: string;
  /** The seed as a decimal string (seeds are often 64-bit, beyond JavaScript's safe integers). */
  readonly seed: string;
  readonly sampler: string;
  readonly steps: number;
  readonly guidance: number;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly software: { readonly name: string; readonly version: string };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const isPrompt = (v: unknown): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= MAX_PROMPT_LENGTH && !LONE_SURROGATE.test(v) && !v.includes('\u0000');
const isSeed = (v: unknown): v is string | number =>
  (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) || (typeof v === 'string' && /^(0|[1-9][0-9]{0,19})$/.test(v));
const isGuidance = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1000;
const isParams = (v: unknown): v is Record<string, unknown> => {
  if (!isPlainObject(v)) return false;
  try {
    return toJson(v).length <= MAX_PARAMS_LENGTH;
  } catch {
    return false;
  }
};

/** SHA-256 of a prompt's UTF-8 bytes. */
export function promptDigest(prompt: string): string {
  return sha256Hex(Buffer.from(prompt, 'utf8'));
}

/**
 * Reads a generation record as a client sends it and returns its canonical form. A prompt may be given
 * in full (`prompt`; its digest is added) or as `promptDigest` only; when both are given they must
 * agree. The same for the negative prompt. `seed` may be a safe integer or a decimal string.
 * @returns the record, or every issue found.
 */
export function parseGenerationRecord(value: unknown): { record?: GenerationRecord; issues: readonly Issue[] } {
  const f = new Fields(value);
  if (f.has('format')) f.oneOf('format', [GENERATION_FORMAT]);
  else f.raw('format');
  const outputId = f.id('outputId');
  const modelId = f.id('modelId');
  const modelVersion = f.integer('modelVersion', 1, Number.MAX_SAFE_INTEGER);
  const prompt = f.check('prompt', isPrompt, `must be text of 1 to ${MAX_PROMPT_LENGTH} characters`, '', { optional: true });
  const givenPromptDigest = f.digest('promptDigest', { optional: true });
  const negativePrompt = f.check('negativePrompt', isPrompt, `must be text of 1 to ${MAX_PROMPT_LENGTH} characters`, '', {
    optional: true,
  });
  const givenNegativeDigest = f.digest('negativePromptDigest', { optional: true });
  const seed = f.check('seed', isSeed, 'must be an integer ≥ 0 (a number or a decimal string of up to 20 digits)', 0);
  const sampler = f.text('sampler', 64);
  const steps = f.integer('steps', 1, 100_000);
  const guidance = f.check('guidance', isGuidance, 'must be a number from 0 to 1000', 0);
  const params = f.check('params', isParams, `must be a JSON object of at most ${MAX_PARAMS_LENGTH} characters`, {}, { optional: true });
  const software = f.object('software');
  const softwareName = software.text('name', 128);
  const softwareVersion = software.text('version', 64);

  const promptHash = prompt === undefined ? givenPromptDigest : promptDigest(prompt);
  if (promptHash === undefined) f.addIssue('prompt', 'give the prompt or its promptDigest');
  else if (givenPromptDigest !== undefined && prompt !== undefined && givenPromptDigest !== promptHash) {
    f.addIssue('promptDigest', 'is not the SHA-256 of prompt');
  }
  const negativeHash = negativePrompt === undefined ? givenNegativeDigest : promptDigest(negativePrompt);
  if (givenNegativeDigest !== undefined && negativePrompt !== undefined && givenNegativeDigest !== negativeHash) {
    f.addIssue('negativePromptDigest', 'is not the SHA-256 of negativePrompt');
  }
  const issues = f.collect();
  if (issues.length > 0 || promptHash === undefined) return { issues };
  return {
    issues,
    record: {
      format: GENERATION_FORMAT,
      outputId,
      modelId,
      modelVersion,
      prompt,
      promptDigest: promptHash,
      negativePrompt,
      negativePromptDigest: negativeHash,
      seed: String(seed),
      sampler,
      steps,
      guidance,
      params,
      software: { name: softwareName, version: softwareVersion },
    },
  };
}

/** The canonical bytes of a generation record (sorted-key JSON, UTF-8), as stored in the vault. */
export function generationBytes(record: GenerationRecord): Buffer {
  return Buffer.from(toJson(record), 'utf8');
}

/** The lowercase hex SHA-256 of the canonical bytes: the output's `generationDigest` on the ledger. */
export function generationDigest(record: GenerationRecord): string {
  return sha256Hex(generationBytes(record));
}
