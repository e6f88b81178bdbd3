import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { manifestDigest } from '@kiseki/chaincode/shared/artifacts';
import { folderManifest, type ManifestProgress } from './folder-manifest';

/** The artifact manifest of a real model folder on disk. */

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const contents: Record<string, Buffer> = {
  'model_index.json': Buffer.from('{"_class_name":"StableDiffusionPipeline"}'),
  'unet/diffusion_pytorch_model.safetensors': Buffer.alloc(3 * 1024 * 1024 + 17, 7),
  'vae/config.json': Buffer.from('{"latent_channels":4}'),
  'text_encoder/model.safetensors': Buffer.from('text encoder weights'),
  'empty.txt': Buffer.alloc(0),
};

describe('folder manifests', () => {
  const roots: string[] = [];
  const folder = (order: readonly string[], change?: (path: string, bytes: Buffer) => Buffer): string => {
    const root = mkdtempSync(join(tmpdir(), 'kiseki-model-'));
    roots.push(root);
    for (const path of order) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      const bytes = contents[path] as Buffer;
      writeFileSync(join(root, path), change ? change(path, Buffer.from(bytes)) : bytes);
    }
    return root;
  };
  afterAll(() => {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  it('when the same files are written in another order and hashed twice, then the digest is the same, with every file listed', async () => {
    const paths = Object.keys(contents);
    const first = await folderManifest(folder(paths));
    const again = await folderManifest(folder([...paths].reverse()));
    expect(manifestDigest(again)).toBe(manifestDigest(first));
    expect(manifestDigest(await folderManifest(roots[0] as string))).toBe(manifestDigest(first));
    expect(first.files).toContainEqual({
      path: 'unet/diffusion_pytorch_model.safetensors',
      size: 3 * 1024 * 1024 + 17,
      sha256: sha256(contents['unet/diffusion_pytorch_model.safetensors'] as Buffer),
    });
    expect(first.files.map((f) => f.path)).toEqual([
      'empty.txt',
      'model_index.json',
      'text_encoder/model.safetensors',
      'unet/diffusion_pytorch_model.safetensors',
      'vae/config.json',
    ]);
  });

  it('when any one byte of any file changes, then the digest changes', async () => {
    const paths = Object.keys(contents);
    const digest = manifestDigest(await folderManifest(folder(paths)));
    for (const target of ['model_index.json', 'unet/diffusion_pytorch_model.safetensors']) {
      const changed = folder(paths, (path, bytes) => {
        if (path === target) bytes.writeUInt8((bytes.at(-1) ?? 0) ^ 1, bytes.length - 1);
        return bytes;
      });
      expect(manifestDigest(await folderManifest(changed))).not.toBe(digest);
    }
  });

  it('when hashing, then progress is reported up to the total; .git is left out; a symbolic link is refused', async () => {
    const root = folder(Object.keys(contents));
    mkdirSync(join(root, '.git'));
    writeFileSync(join(root, '.git', 'HEAD'), 'ref: refs/heads/main');
    const seen: ManifestProgress[] = [];
    const manifest = await folderManifest(root, (p) => seen.push(p));
    expect(manifest.files.some((f) => f.path.startsWith('.git'))).toBe(false);
    const total = Object.values(contents).reduce((sum, b) => sum + b.length, 0);
    expect(seen.at(-1)).toMatchObject({ bytesDone: total, bytesTotal: total, filesDone: 5, filesTotal: 5 });
    expect(seen.length).toBeGreaterThan(3);
    symlinkSync('/etc/hostname', join(root, 'link'));
    await expect(folderManifest(root)).rejects.toThrow(/link: not a regular file/);
  });
});
