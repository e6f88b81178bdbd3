import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from './log';
import { ensureTools, FABRIC_SOURCE_SHA256, fabricBuildName, fabricPatches } from './tools';

describe('finding the native tools', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kiseki-tools-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('when KISEKI_FABRIC_BIN lacks the binaries, then the error names what must be there', async () => {
    const env = { ...process.env, KISEKI_FABRIC_BIN: dir, KISEKI_CACHE_DIR: dir };
    await expect(ensureTools(silentLogger, env)).rejects.toThrow(
      /must hold peer, orderer, configtxgen, configtxlator, cryptogen, osnadmin, discover/,
    );
  });

  it('when nothing is cached and no source archive exists, then the error says what to provide', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, KISEKI_CACHE_DIR: dir, KISEKI_FABRIC_SOURCE: path.join(dir, 'absent.tar.gz') };
    delete env.KISEKI_FABRIC_BIN;
    const failure = ensureTools(silentLogger, env);
    await expect(failure).rejects.toThrow(/KISEKI_FABRIC_BIN=/);
    await expect(failure).rejects.toThrow(/hyperledger-fabric-linux-amd64-3\.1\.5\.tar\.gz/);
    await expect(failure).rejects.toThrow(new RegExp(FABRIC_SOURCE_SHA256));
  });

  it('when the source archive does not match its pinned SHA-256, then nothing is built or cached', async () => {
    const archive = path.join(dir, 'fabric.tar.gz');
    writeFileSync(archive, 'not fabric');
    const env: NodeJS.ProcessEnv = { ...process.env, KISEKI_CACHE_DIR: path.join(dir, 'cache'), KISEKI_FABRIC_SOURCE: archive };
    delete env.KISEKI_FABRIC_BIN;
    await expect(ensureTools(silentLogger, env)).rejects.toThrow(/has SHA-256 [0-9a-f]{64}, expected/);
    expect(existsSync(path.join(dir, 'cache', 'fabric-3.1.5'))).toBe(false);
  });
});

describe('the cache folder of a patched Fabric build', () => {
  it('when patches are carried, then the folder names their hash, which changes with any patch byte; without patches, the stock name', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kiseki-patches-'));
    try {
      expect(fabricBuildName([])).toBe('fabric-3.1.5');
      writeFileSync(path.join(dir, 'b.patch'), 'second');
      writeFileSync(path.join(dir, 'a.patch'), 'first');
      writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
      const patches = fabricPatches(dir);
      expect(patches.map((file) => path.basename(file))).toEqual(['a.patch', 'b.patch']);
      const name = fabricBuildName(patches);
      expect(name).toMatch(/^fabric-3\.1\.5-[0-9a-f]{12}$/);
      writeFileSync(path.join(dir, 'b.patch'), 'second, changed');
      expect(fabricBuildName(patches)).not.toBe(name);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when the repository carries its patches, then the build folder is not the stock one', () => {
    expect(fabricPatches().length).toBeGreaterThan(0);
    expect(fabricBuildName()).not.toBe('fabric-3.1.5');
  });
});
