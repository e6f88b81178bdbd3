import { toJson } from './codec';
import { sha256Hex } from './artifacts';
import { check, Digest, Id, integer, must, record, text, whenParsed, z } from './schema';
import type { Issue } from './validate';

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
const PROMPT_MESSAGE = `must be text of 1 to ${MAX_PROMPT_LENGTH} characters`;
/** A prompt kept in full: any text but NUL and lone surrogates (line breaks are part of prompts). */
const Prompt = z
  .string(must(PROMPT_MESSAGE))
  .min(1, { message: PROMPT_MESSAGE, abort: true })
  .max(MAX_PROMPT_LENGTH, { message: PROMPT_MESSAGE, abort: true })
  .refine((v) => !LONE_SURROGATE.test(v) && !v.includes('\u0000'), PROMPT_MESSAGE);
const SEED_MESSAGE = 'must be an integer ≥ 0 (a number or a decimal string of up to 20 digits)';
/** A seed: a safe integer, or a decimal string for 64-bit seeds. */
const Seed = z
  .union([z.number(), z.string()], must(SEED_MESSAGE))
  .refine(
    (v) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) || (typeof v === 'string' && /^(0|[1-9][0-9]{0,19})$/.test(v)),
    SEED_MESSAGE,
  );
const GUIDANCE_MESSAGE = 'must be a number from 0 to 1000';
const PARAMS_MESSAGE = `must be a JSON object of at most ${MAX_PARAMS_LENGTH} characters`;
const Params = z.record(z.string(), z.unknown(), must(PARAMS_MESSAGE)).refine((v) => {
  try {
    return toJson(v).length <= MAX_PARAMS_LENGTH;
  } catch {
    return false;
  }
}, PARAMS_MESSAGE);

/**
 * A generation record as a client sends it: a prompt in full (`prompt`) or as `promptDigest` only, and
 * when both are given they must agree; the same for the negative prompt. `seed` may be a safe integer
 * or a decimal string. {@link parseGenerationRecord} turns it into its canonical form.
 */
export const GenerationRecordRequest = record({
  format: z.literal(GENERATION_FORMAT, must(`must be one of ${GENERATION_FORMAT}`)).optional(),
  outputId: Id,
  modelId: Id,
  modelVersion: integer(1, Number.MAX_SAFE_INTEGER),
  prompt: Prompt.optional(),
  promptDigest: Digest.optional(),
  negativePrompt: Prompt.optional(),
  negativePromptDigest: Digest.optional(),
  seed: Seed,
  sampler: text(64),
  steps: integer(1, 100_000),
  guidance: z.number(must(GUIDANCE_MESSAGE)).min(0, GUIDANCE_MESSAGE).max(1000, GUIDANCE_MESSAGE),
  params: Params.optional(),
  software: record({ name: text(128), version: text(64) }),
})
  .superRefine(
    (request, ctx) => {
      if (request.prompt === undefined && request.promptDigest === undefined) {
        ctx.addIssue({ code: 'custom', path: ['prompt'], message: 'give the prompt or its promptDigest' });
      }
      if (request.prompt !== undefined && request.promptDigest !== undefined && request.promptDigest !== promptDigest(request.prompt)) {
        ctx.addIssue({ code: 'custom', path: ['promptDigest'], message: 'is not the SHA-256 of prompt' });
      }
      const { negativePrompt, negativePromptDigest } = request;
      if (negativePrompt !== undefined && negativePromptDigest !== undefined && negativePromptDigest !== promptDigest(negativePrompt)) {
        ctx.addIssue({ code: 'custom', path: ['negativePromptDigest'], message: 'is not the SHA-256 of negativePrompt' });
      }
    },
    whenParsed('prompt', 'promptDigest', 'negativePrompt', 'negativePromptDigest'),
  )
  .meta({ id: 'GenerationRecord', description: 'How an output was generated; prompts may be given as their SHA-256 only' });
export type GenerationRecordRequest = z.input<typeof GenerationRecordRequest>;

/** SHA-256 of a prompt's UTF-8 bytes. */
export function promptDigest(prompt: string): string {
  return sha256Hex(Buffer.from(prompt, 'utf8'));
}

/**
 * Reads a generation record as a client sends it ({@link GenerationRecordRequest}) and returns its
 * canonical form: prompt digests filled in, the seed as a decimal string.
 * @returns the record, or every issue found.
 */
export function parseGenerationRecord(value: unknown): { record?: GenerationRecord; issues: readonly Issue[] } {
  const result = check(GenerationRecordRequest, value);
  if (!result.ok) return { issues: result.issues };
  const { prompt, negativePrompt, seed, ...rest } = result.value;
  const promptHash = prompt === undefined ? rest.promptDigest : promptDigest(prompt);
  if (promptHash === undefined) return { issues: [{ path: 'prompt', message: 'give the prompt or its promptDigest' }] };
  return {
    issues: [],
    record: {
      ...rest,
      format: GENERATION_FORMAT,
      prompt,
      promptDigest: promptHash,
      negativePrompt,
      negativePromptDigest: negativePrompt === undefined ? rest.negativePromptDigest : promptDigest(negativePrompt),
      seed: String(seed),
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
