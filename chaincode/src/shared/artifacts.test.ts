import { createHash } from 'node:crypto';

import {
  ARTIFACT_MANIFEST_FORMAT,
  artifactManifest,
  artifactPathProblem,
  manifestBytes,
  manifestDigest,
  manifestSummary,
  parseArtifactManifest,
  versionBindingDigest,
} from './artifacts';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
const files = [
  { path: 'unet/diffusion_pytorch_model.safetensors', size: 3, sha256: sha('abc') },
  { path: 'model_index.json', size: 2, sha256: sha('{}') },
  { path: 'text_encoder/model.safetensors', size: 5, sha256: sha('hello') },
];

describe('artifact manifests', () => {
  it('when the same files are listed in any order, then the manifest and its digest are the same', () => {
    const digest = manifestDigest(artifactManifest(files));
    expect(manifestDigest(artifactManifest([...files].reverse()))).toBe(digest);
    expect(manifestDigest(artifactManifest([files[1], files[2], files[0]] as typeof files))).toBe(digest);
    expect(artifactManifest(files).files.map((f) => f.path)).toEqual([
      'model_index.json',
      'text_encoder/model.safetensors',
      'unet/diffusion_pytorch_model.safetensors',
    ]);
  });

  it('then the digest is the SHA-256 of the sorted-key canonical JSON (a fixed vector)', () => {
    const manifest = artifactManifest([{ path: 'a.bin', size: 1, sha256: sha('a') }]);
    const text = `{"files":[{"path":"a.bin","sha256":"${sha('a')}","size":1}],"format":"${ARTIFACT_MANIFEST_FORMAT}"}`;
    expect(manifestBytes(manifest).toString('utf8')).toBe(text);
    expect(manifestDigest(manifest)).toBe(sha(text));
  });

  it('when any file hash, size or path changes, or a file is added, then the digest changes', () => {
    const digest = manifestDigest(artifactManifest(files));
    const variants = [
      files.map((f, i) => (i === 0 ? { ...f, sha256: sha('abd') } : f)),
      files.map((f, i) => (i === 1 ? { ...f, size: 3 } : f)),
      files.map((f, i) => (i === 2 ? { ...f, path: 'text_encoder/model2.safetensors' } : f)),
      [...files, { path: 'extra.txt', size: 0, sha256: sha('') }],
      files.slice(1),
    ];
    for (const variant of variants) expect(manifestDigest(artifactManifest(variant))).not.toBe(digest);
  });

  it('then the summary counts files and bytes', () => {
    expect(manifestSummary(artifactManifest(files))).toEqual({ fileCount: 3, totalBytes: 10 });
  });

  it.each(['', '/abs', 'a//b', './a', 'a/../b', 'a\\b', 'a\u0000b', 'x'.repeat(1025)])('when a path is %j, then it is refused', (path) => {
    expect(artifactPathProblem(path)).toBeDefined();
  });

  it('when files repeat a path or fields are wrong, then every issue is reported', () => {
    const { manifest, issues } = parseArtifactManifest({
      files: [files[0], files[0], { path: 'b', size: -1, sha256: 'XY', extra: 1 }],
      other: 1,
    });
    expect(manifest).toBeUndefined();
    expect(issues.map((i) => i.path)).toEqual(['other', 'files[2].extra', 'files[2].size', 'files[2].sha256', 'files']);
    expect(parseArtifactManifest({ files: [] }).issues).toEqual([{ path: 'files', message: expect.stringMatching(/1 to/) as unknown }]);
    expect(parseArtifactManifest({ format: 'other', files }).issues).toEqual([
      { path: 'format', message: `must be ${ARTIFACT_MANIFEST_FORMAT}` },
    ]);
  });

  it('then the version binding changes with each bound part', () => {
    const binding = {
      modelId: 'm',
      version: 1,
      trainingRoot: sha('root'),
      trainingSize: 3,
      artifactDigest: sha('a'),
      recipeDigest: sha('r'),
    };
    const digest = versionBindingDigest(binding);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    for (const change of [
      { version: 2 },
      { trainingRoot: sha('x') },
      { trainingSize: 4 },
      { artifactDigest: sha('b') },
      { recipeDigest: sha('s') },
      { modelId: 'n' },
    ]) {
      expect(versionBindingDigest({ ...binding, ...change })).not.toBe(digest);
    }
  });
});
