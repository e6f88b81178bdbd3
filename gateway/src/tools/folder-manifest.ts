import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join, posix, relative, sep } from 'node:path';
import { type ArtifactFile, type ArtifactManifest, artifactManifest, artifactPathProblem } from '@kiseki/chaincode/shared/artifacts';

/**
 * The artifact manifest of a model folder: every regular file under it (`.git` folders aside), each
 * streamed through SHA-256 in 1 MiB chunks so any size fits in constant memory. Symbolic links and
 * other special files are refused rather than followed: what is hashed is exactly what is in the folder.
 */

/** Progress of a manifest computation, reported as bytes are hashed. */
export interface ManifestProgress {
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly filesDone: number;
  readonly filesTotal: number;
  readonly currentFile: string;
}

/** A file found in the folder, before hashing. */
interface Found {
  readonly absolute: string;
  readonly path: string;
  readonly size: number;
}

const IGNORED_DIRECTORIES = new Set(['.git']);
const CHUNK_BYTES = 1024 * 1024;

/**
 * Lists the regular files under `root` (relative POSIX paths, sorted).
 * @throws Error for a symbolic link or special file, or a path a manifest cannot hold.
 */
export async function listModelFiles(root: string): Promise<Found[]> {
  const found: Found[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const absolute = join(dir, entry.name);
      const path = relative(root, absolute).split(sep).join(posix.sep);
      if (entry.isDirectory()) {
        if (!IGNORED_DIRECTORIES.has(entry.name)) await walk(absolute);
      } else if (entry.isFile()) {
        const problem = artifactPathProblem(path);
        if (problem !== undefined) throw new Error(`${path}: ${problem}`);
        found.push({ absolute, path, size: (await lstat(absolute)).size });
      } else {
        throw new Error(`${path}: not a regular file (symbolic links and special files are not followed)`);
      }
    }
  };
  await walk(root);
  if (found.length === 0) throw new Error(`${root} holds no files`);
  return found;
}

/** SHA-256 and size of one file, streamed. */
async function hashFile(file: Found, onBytes: (n: number) => void): Promise<ArtifactFile> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file.absolute, { highWaterMark: CHUNK_BYTES })) {
    const bytes = chunk as Buffer;
    hash.update(bytes);
    size += bytes.length;
    onBytes(bytes.length);
  }
  return { path: file.path, size, sha256: hash.digest('hex') };
}

/**
 * Computes the canonical artifact manifest of a model folder.
 * @param onProgress called as bytes are hashed (at most once per chunk).
 * @throws Error when the folder holds no files, a special file, or a file changed size while read.
 */
export async function folderManifest(
  root: string,
  onProgress: (progress: ManifestProgress) => void = () => undefined,
): Promise<ArtifactManifest> {
  const found = await listModelFiles(root);
  const bytesTotal = found.reduce((sum, file) => sum + file.size, 0);
  const files: ArtifactFile[] = [];
  let bytesDone = 0;
  for (const [i, file] of found.entries()) {
    const hashed = await hashFile(file, (n) => {
      bytesDone += n;
      onProgress({ bytesDone, bytesTotal, filesDone: i, filesTotal: found.length, currentFile: file.path });
    });
    if (hashed.size !== file.size) throw new Error(`${file.path} changed size while it was read (${file.size} → ${hashed.size} bytes)`);
    files.push(hashed);
  }
  onProgress({ bytesDone, bytesTotal, filesDone: found.length, filesTotal: found.length, currentFile: '' });
  return artifactManifest(files);
}
