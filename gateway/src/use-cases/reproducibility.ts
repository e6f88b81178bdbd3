import { toJson } from '@kiseki/chaincode/shared/codec';
import {
  type ArtifactManifest,
  manifestBytes,
  manifestDigest,
  manifestSummary,
  parseArtifactManifest,
  sha256Hex,
} from '@kiseki/chaincode/shared/artifacts';
import { generationBytes, generationDigest, parseGenerationRecord, type GenerationRecord } from '@kiseki/chaincode/shared/generation';
import { AppError, type Issue } from '../errors';
import type { Vault } from '../vault/vault';

/**
 * Reproducibility texts in the owner's vault — artifact manifests, training recipes, generation records —
 * and their check against the digests on the ledger. The ledger is the anchor: a text is stored only
 * under the digest the ledger holds (or is about to hold), at a key derived from that digest, so a stored
 * text is either the one the ledger names or nothing. Reading one back re-hashes it: `intact` means its
 * SHA-256 equals the ledger's digest.
 */

export const artifactManifestKey = (modelId: string, artifactDigest: string): string =>
  `models/${modelId}/artifacts/${artifactDigest}.json`;
export const recipeKey = (modelId: string, recipeDigest: string): string => `models/${modelId}/recipes/${recipeDigest}`;
export const generationKey = (outputId: string): string => `outputs/${outputId}/generation.json`;

/** A model version's texts, ready to be registered: canonical bytes and the digests the ledger records. */
export interface VersionTexts {
  manifest: ArtifactManifest;
  manifestBytes: Buffer;
  artifactDigest: string;
  artifactFileCount: number;
  artifactBytes: number;
  recipeBytes: Buffer;
  recipeDigest: string;
  recipeContentType: string;
}

const toIssues = (where: string, issues: readonly { path: string; message: string }[]): Issue[] =>
  issues.map((issue) => ({ path: [where, issue.path].filter((p) => p !== '').join('.'), code: 'custom', message: issue.message }));

/**
 * Canonicalises an artifact manifest and a recipe (text kept byte for byte; a JSON object as sorted-key
 * JSON) and computes their digests.
 * @throws AppError `INVALID` with field-level issues for a malformed manifest.
 */
export function prepareVersionTexts(artifactManifest: unknown, recipe: string | Record<string, unknown>): VersionTexts {
  const { manifest, issues } = parseArtifactManifest(artifactManifest);
  if (manifest === undefined) {
    const all = toIssues('body.artifactManifest', issues);
    throw new AppError(
      'INVALID',
      `body.artifactManifest: ${all[0]?.message ?? 'invalid'}${all.length > 1 ? ` (and ${all.length - 1} more)` : ''}`,
      { issues: all },
    );
  }
  const bytes = manifestBytes(manifest);
  const { fileCount, totalBytes } = manifestSummary(manifest);
  const recipeBytes = typeof recipe === 'string' ? Buffer.from(recipe, 'utf8') : Buffer.from(toJson(recipe), 'utf8');
  return {
    manifest,
    manifestBytes: bytes,
    artifactDigest: manifestDigest(manifest),
    artifactFileCount: fileCount,
    artifactBytes: totalBytes,
    recipeBytes,
    recipeDigest: sha256Hex(recipeBytes),
    recipeContentType: typeof recipe === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
  };
}

/** Stores a version's manifest and recipe in the vault under their digests (idempotent). */
export async function storeVersionTexts(
  vault: Vault,
  modelId: string,
  texts: VersionTexts,
): Promise<{ manifestKey: string; recipeKey: string }> {
  const keys = { manifestKey: artifactManifestKey(modelId, texts.artifactDigest), recipeKey: recipeKey(modelId, texts.recipeDigest) };
  await vault.put(keys.manifestKey, texts.manifestBytes, 'application/json');
  await vault.put(keys.recipeKey, texts.recipeBytes, texts.recipeContentType);
  return keys;
}

/**
 * Parses a generation record as a client sends it.
 * @throws AppError `INVALID` with field-level issues.
 */
export function prepareGenerationRecord(value: unknown): { record: GenerationRecord; bytes: Buffer; digest: string } {
  const { record, issues } = parseGenerationRecord(value);
  if (record === undefined) {
    const all = toIssues('body', issues);
    throw new AppError(
      'INVALID',
      `${all[0]?.path ?? 'body'}: ${all[0]?.message ?? 'invalid'}${all.length > 1 ? ` (and ${all.length - 1} more)` : ''}`,
      { issues: all },
    );
  }
  return { record, bytes: generationBytes(record), digest: generationDigest(record) };
}

/** What the vault holds for one ledger digest. */
export interface VaultCheck {
  key: string;
  digest: string;
  /** `false` when this gateway's vault is not the holder's (another org keeps it). */
  checked: boolean;
  present?: boolean;
  intact?: boolean;
  /** SHA-256 of what the vault holds, when it differs from the ledger's digest. */
  actualDigest?: string;
  holderMsp?: string;
}

/**
 * Reads `key` from this gateway's vault and compares its SHA-256 with the ledger's `digest`. When the
 * text is held by another org (`holderMsp` ≠ this gateway's org), nothing is read.
 */
export async function checkStored(vault: Vault, key: string, digest: string, holderMsp: string, mspId: string): Promise<VaultCheck> {
  if (holderMsp !== mspId) return { key, digest, checked: false, holderMsp };
  const bytes = await vault.get(key);
  if (bytes === undefined) return { key, digest, checked: true, present: false, holderMsp };
  const actual = sha256Hex(bytes);
  return {
    key,
    digest,
    checked: true,
    present: true,
    intact: actual === digest,
    ...(actual === digest ? {} : { actualDigest: actual }),
    holderMsp,
  };
}

/** Loose view of a verification result from `outputs:Verify`. */
interface Verification {
  output?: { outputId?: string; ownerMsp?: string; generationDigest?: string };
  modelVersion?: { modelId?: string; ownerMsp?: string; artifactDigest?: string; recipeDigest?: string };
  [key: string]: unknown;
}

/**
 * Adds the vault checks the chaincode cannot make to an output's verification: the generation record
 * (present and intact), and the version's artifact manifest and recipe — read from this org's vault when
 * this org holds them.
 */
export async function withVaultChecks(vault: Vault, mspId: string, verification: unknown): Promise<unknown> {
  if (verification === null || typeof verification !== 'object') return verification;
  const v = verification as Verification;
  const extra: Record<string, unknown> = {};
  const output = v.output;
  if (output?.generationDigest !== undefined && output.outputId !== undefined && output.ownerMsp !== undefined) {
    extra.generation = {
      ...(typeof v.generation === 'object' ? v.generation : {}),
      vault: await checkStored(vault, generationKey(output.outputId), output.generationDigest, output.ownerMsp, mspId),
    };
  }
  const version = v.modelVersion;
  if (
    version?.modelId !== undefined &&
    version.ownerMsp !== undefined &&
    version.artifactDigest !== undefined &&
    version.recipeDigest !== undefined
  ) {
    extra.modelVersion = {
      ...version,
      vault: {
        artifactManifest: await checkStored(
          vault,
          artifactManifestKey(version.modelId, version.artifactDigest),
          version.artifactDigest,
          version.ownerMsp,
          mspId,
        ),
        recipe: await checkStored(vault, recipeKey(version.modelId, version.recipeDigest), version.recipeDigest, version.ownerMsp, mspId),
      },
    };
  }
  return { ...v, ...extra };
}
