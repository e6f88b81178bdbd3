import { writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { manifestBytes, manifestDigest, manifestSummary } from '@kiseki/chaincode/shared/artifacts';
import { folderManifest, type ManifestProgress } from './tools/folder-manifest';

/**
 * `npm run artifact-manifest -- <model folder> [--out manifest.json]`: computes the artifact manifest
 * of a model folder (each file's path, size and SHA-256, streamed, with a progress bar on stderr) and
 * prints its canonical JSON — exactly the bytes whose SHA-256 is the `artifactDigest` — to stdout or
 * the `--out` file, and the digest, file count and size on stderr. Send the manifest as
 * `artifactManifest` to `POST /v1/models/{modelId}/versions` or `/seal`.
 */

const USAGE = 'usage: npm run artifact-manifest -- <model folder> [--out manifest.json]';

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

function progressPrinter(): (p: ManifestProgress) => void {
  const started = Date.now();
  const tty = process.stderr.isTTY;
  let lastDraw = 0;
  let lastTenth = -1;
  return (p) => {
    const fraction = p.bytesTotal === 0 ? 1 : p.bytesDone / p.bytesTotal;
    const seconds = Math.max((Date.now() - started) / 1000, 0.001);
    const line = `${(fraction * 100).toFixed(0).padStart(3)}% ${mib(p.bytesDone)} / ${mib(p.bytesTotal)}, ${mib(p.bytesDone / seconds)}/s, file ${Math.min(p.filesDone + 1, p.filesTotal)}/${p.filesTotal}`;
    if (tty) {
      const now = Date.now();
      if (now - lastDraw < 100 && fraction < 1) return;
      lastDraw = now;
      const width = 30;
      const filled = Math.round(fraction * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${line}\u001b[K`);
      if (fraction >= 1 && p.currentFile === '') process.stderr.write('\n');
    } else {
      const tenth = Math.floor(fraction * 10);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        process.stderr.write(`${line}\n`);
      }
    }
  };
}

async function main(argv: readonly string[]): Promise<void> {
  const args = [...argv];
  let out: string | undefined;
  const outAt = args.indexOf('--out');
  if (outAt >= 0) {
    out = args[outAt + 1];
    if (out === undefined) throw new Error(USAGE);
    args.splice(outAt, 2);
  }
  const [folder, ...rest] = args;
  if (folder === undefined || rest.length > 0 || folder.startsWith('-')) throw new Error(USAGE);
  if (!(await stat(folder)).isDirectory()) throw new Error(`${folder} is not a folder`);
  const started = process.hrtime.bigint();
  const manifest = await folderManifest(folder, progressPrinter());
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const bytes = manifestBytes(manifest);
  if (out === undefined) process.stdout.write(`${bytes.toString('utf8')}\n`);
  else writeFileSync(out, bytes);
  const { fileCount, totalBytes } = manifestSummary(manifest);
  process.stderr.write(
    `artifactDigest ${manifestDigest(manifest)}\n${fileCount} files, ${totalBytes} bytes (${mib(totalBytes)}) hashed in ${seconds.toFixed(2)} s (${mib(totalBytes / seconds)}/s)\n`,
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`artifact-manifest: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
