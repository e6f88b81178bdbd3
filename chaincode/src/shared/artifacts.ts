import { createHash } from 'node:crypto';

import { toJson } from './codec';
import { isDigestHex } from './hex';
import { compareIds } from './merkle';
import { type Issue, isNonNegativeInteger, isPlainObject } from './validate';

/**
 * What a model *is*, as digests: the artifact manifest of its files (each file's path, size and
 * SHA-256, canonicalised and hashed as a whole, in the spirit of OpenSSF model signing), the digest of
 * its training recipe, and the binding digest that ties both to the sealed training root. Pure: the
 * chaincode, the gateway, the manifest CLI and any outside verifier compute the same bytes.
 *
 * Canonical manifest: `{ format, files: [{ path, sha256, size }] }` as sorted-key JSON (shared/codec),
 * files in ascending UTF-8 byte order of their paths; the manifest digest is the SHA-256 of those bytes.
 * The order in which files were listed or hashed therefore never changes the digest; any changed byte
 * of any file, a renamed, added or removed file does.
 */

/** The manifest format this module writes and reads. */
export const ARTIFACT_MANIFEST_FORMAT = 'kiseki.artifact-manifest/v1';
/** The version-binding format (see {@link versionBindingDigest}). */
export const VERSION_BINDING_FORMAT = 'kiseki.model-version/v1';
/** Most files one manifest may list. */
export const MAX_ARTIFACT_FILES = 100_000;
/** Longest relative path of a file in a manifest, in characters. */
export const MAX_ARTIFACT_PATH = 1024;

/** One file of a model's artifacts. */
export interface ArtifactFile {
  /** Relative POSIX path inside the model folder (`unet/weights.safetensors`). */
  readonly path: string;
  /** Size in bytes. */
  readonly size: number;
  /** Lowercase hex SHA-256 of the file's bytes. */
  readonly sha256: string;
}

/** A canonical artifact manifest: files sorted by path, no duplicates. */
export interface ArtifactManifest {
  readonly format: typeof ARTIFACT_MANIFEST_FORMAT;
  readonly files: readonly ArtifactFile[];
}

// Control characters and lone surrogates have no stable UTF-8 form or are ambiguous in file systems.
const BAD_PATH_CHAR = /[\u0000-\u001f\u007f\\]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why a relative path cannot appear in a manifest, or `undefined` when it can: non-empty, at most
 * {@link MAX_ARTIFACT_PATH} characters, `/`-separated, no empty, `.` or `..` segment, no leading `/`,
 * no backslash or control character.
 */
export function artifactPathProblem(path: unknown): string | undefined {
  if (typeof path !== 'string' || path.length === 0) return 'must be a non-empty relative path';
  if (path.length > MAX_ARTIFACT_PATH) return `must be at most ${MAX_ARTIFACT_PATH} characters`;
  if (BAD_PATH_CHAR.test(path)) return 'must not contain control characters, backslashes or lone surrogates';
  if (path.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    return 'must be a relative POSIX path without empty, "." or ".." segments';
  }
  return undefined;
}

/**
 * Checks a manifest-like value (`{ files: [...] }`, `format` optional) and returns its canonical form.
 * @returns the manifest, or every issue found (paths like `files[2].sha256`).
 */
export function parseArtifactManifest(value: unknown): { manifest?: ArtifactManifest; issues: Issue[] } {
  const issues: Issue[] = [];
  if (!isPlainObject(value)) return { issues: [{ path: '', message: 'must be a JSON object { format?, files }' }] };
  for (const key of Object.keys(value).sort()) {
    if (key !== 'format' && key !== 'files') issues.push({ path: key, message: 'is not a known field' });
  }
  if (value.format !== undefined && value.format !== ARTIFACT_MANIFEST_FORMAT) {
    issues.push({ path: 'format', message: `must be ${ARTIFACT_MANIFEST_FORMAT}` });
  }
  const files = value.files;
  if (!Array.isArray(files) || files.length === 0 || files.length > MAX_ARTIFACT_FILES) {
    issues.push({ path: 'files', message: `must be an array of 1 to ${MAX_ARTIFACT_FILES} files` });
    return { issues };
  }
  const out: ArtifactFile[] = [];
  files.forEach((file: unknown, i) => {
    const at = `files[${i}]`;
    if (!isPlainObject(file)) {
      issues.push({ path: at, message: 'must be an object { path, size, sha256 }' });
      return;
    }
    for (const key of Object.keys(file).sort()) {
      if (key !== 'path' && key !== 'size' && key !== 'sha256') issues.push({ path: `${at}.${key}`, message: 'is not a known field' });
    }
    const pathProblem = artifactPathProblem(file.path);
    if (pathProblem !== undefined) issues.push({ path: `${at}.path`, message: pathProblem });
    if (!isNonNegativeInteger(file.size)) issues.push({ path: `${at}.size`, message: 'must be an integer ≥ 0' });
    if (!isDigestHex(file.sha256)) issues.push({ path: `${at}.sha256`, message: 'must be a lowercase hex SHA-256 digest' });
    if (pathProblem === undefined && isNonNegativeInteger(file.size) && isDigestHex(file.sha256)) {
      out.push({ path: file.path as string, size: file.size, sha256: file.sha256 });
    }
  });
  out.sort((a, b) => compareIds(a.path, b.path));
  for (let i = 1; i < out.length; i += 1) {
    const path = (out[i] as ArtifactFile).path;
    if (path === (out[i - 1] as ArtifactFile).path) issues.push({ path: 'files', message: `lists ${path} twice` });
  }
  if (issues.length > 0) return { issues };
  return { manifest: { format: ARTIFACT_MANIFEST_FORMAT, files: out }, issues };
}

/** The canonical manifest of a list of files, in any order. @throws Error listing the problems. */
export function artifactManifest(files: readonly ArtifactFile[]): ArtifactManifest {
  const { manifest, issues } = parseArtifactManifest({ files });
  if (manifest === undefined) throw new Error(`invalid artifact manifest: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  return manifest;
}

/** The canonical bytes of a manifest (sorted-key JSON, UTF-8), as stored in the vault. */
export function manifestBytes(manifest: ArtifactManifest): Buffer {
  return Buffer.from(toJson(manifest), 'utf8');
}

/** The lowercase hex SHA-256 of the canonical manifest bytes: what the ledger records. */
export function manifestDigest(manifest: ArtifactManifest): string {
  return sha256Hex(manifestBytes(manifest));
}

/** File count and total bytes of a manifest. */
export function manifestSummary(manifest: ArtifactManifest): { fileCount: number; totalBytes: number } {
  return { fileCount: manifest.files.length, totalBytes: manifest.files.reduce((sum, file) => sum + file.size, 0) };
}

/** What a model version binds together. */
export interface VersionBinding {
  readonly modelId: string;
  readonly version: number;
  readonly trainingRoot: string;
  readonly trainingSize: number;
  readonly artifactDigest: string;
  readonly recipeDigest: string;
}

/**
 * The digest that binds a model version's weights and recipe to the training set it was sealed on:
 * SHA-256 of the sorted-key JSON `{ format, modelId, version, trainingRoot, trainingSize,
 * artifactDigest, recipeDigest }`. Any verifier recomputes it from the version record alone.
 */
export function versionBindingDigest(binding: VersionBinding): string {
  return sha256Hex(
    Buffer.from(
      toJson({
        format: VERSION_BINDING_FORMAT,
        modelId: binding.modelId,
        version: binding.version,
        trainingRoot: binding.trainingRoot,
        trainingSize: binding.trainingSize,
        artifactDigest: binding.artifactDigest,
        recipeDigest: binding.recipeDigest,
      }),
      'utf8',
    ),
  );
}

/** Lowercase hex SHA-256. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
