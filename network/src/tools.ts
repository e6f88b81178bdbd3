import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, cpSync, writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { NetworkError } from './errors';
import { run } from './exec';
import { Logger } from './log';
import { cacheDir, REPO_ROOT } from './paths';

export const FABRIC_VERSION = '3.1.5';
/** SHA-256 of Fabric's v3.1.5 source archive (git archive of the release tag with its vendor/ tree). */
export const FABRIC_SOURCE_SHA256 = 'eef0a2c316c0768255fcb7e3b4f406be8fc09694ec3da19d27d71bffa497c31e';
export const FABRIC_COMMANDS = ['peer', 'orderer', 'configtxgen', 'configtxlator', 'cryptogen', 'osnadmin', 'discover'] as const;
export const MINIO_MODULE = 'github.com/minio/minio';
export const MINIO_VERSION = 'v0.0.0-20260212201848-7aac2a2c5b7c';

export interface Tools {
  /** Folder holding peer, orderer, configtxgen, configtxlator, cryptogen, osnadmin, discover. */
  readonly fabricBin: string;
  /** Folder holding Fabric's stock core.yaml, orderer.yaml and configtx.yaml. */
  readonly fabricConfig: string;
  readonly minio: string;
}

const CONFIG_FILES = ['core.yaml', 'orderer.yaml', 'configtx.yaml'];
const COMPLETE = '.complete';

function hasFabric(bin: string, config: string): boolean {
  return (
    FABRIC_COMMANDS.every((cmd) => existsSync(path.join(bin, cmd))) && CONFIG_FILES.every((file) => existsSync(path.join(config, file)))
  );
}

/** Build-time patches to Fabric's source, applied in name order (docs/decisions.md, K3). */
export const FABRIC_PATCH_DIR = path.join(REPO_ROOT, 'network', 'fabric-patches');

/** The patch files, in the order they are applied. */
export function fabricPatches(dir: string = FABRIC_PATCH_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.patch'))
    .sort()
    .map((name) => path.join(dir, name));
}

/**
 * The cache folder name of a Fabric build: the version, and with patches the first 12 hex digits of
 * a SHA-256 over their names and bytes, so that a changed patch builds anew instead of reusing (or
 * overwriting) a stock or differently patched build.
 */
export function fabricBuildName(patches: readonly string[] = fabricPatches()): string {
  if (patches.length === 0) return `fabric-${FABRIC_VERSION}`;
  const hash = createHash('sha256');
  for (const file of patches) hash.update(path.basename(file)).update('\0').update(readFileSync(file)).update('\0');
  return `fabric-${FABRIC_VERSION}-${hash.digest('hex').slice(0, 12)}`;
}

function defaultSourceArchive(): string {
  return path.resolve(REPO_ROOT, '..', 'shared', 'third_party', `fabric-${FABRIC_VERSION}-src.tar.gz`);
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function requireGo(): Promise<void> {
  try {
    await run('go', ['version'], { timeoutMs: 10_000 });
  } catch {
    throw new NetworkError('building from source needs Go on PATH (go 1.24 or later); or set KISEKI_FABRIC_BIN to Fabric binaries');
  }
}

/** Builds Fabric's commands from its release source, offline, into `target`; atomically, so a killed build leaves no half cache. */
async function buildFabric(archive: string, target: string, patches: readonly string[], log: Logger): Promise<void> {
  await log.step(`verify ${path.basename(archive)} (SHA-256)`, async () => {
    const digest = await sha256File(archive);
    if (digest !== FABRIC_SOURCE_SHA256) {
      throw new NetworkError(`${archive} has SHA-256 ${digest}, expected ${FABRIC_SOURCE_SHA256} (Fabric v${FABRIC_VERSION} source)`);
    }
  });
  await requireGo();
  const work = `${target}.building-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    await log.step('extract Fabric source', () => run('tar', ['-xzf', archive, '-C', work], { timeoutMs: 300_000 }));
    const src = path.join(work, `fabric-${FABRIC_VERSION}`);
    for (const file of patches) {
      await log.step(`patch Fabric source: ${path.basename(file)}`, () =>
        run('patch', ['-p1', '--forward', '--batch', '-d', src, '-i', file], { timeoutMs: 60_000 }),
      );
    }
    await log.step(`build Fabric v${FABRIC_VERSION} (${FABRIC_COMMANDS.join(', ')}; about 2 min cold)`, () =>
      run(
        'go',
        [
          'build',
          '-trimpath',
          '-ldflags',
          `-X github.com/hyperledger/fabric/common/metadata.Version=${FABRIC_VERSION}`,
          '-o',
          path.join(work, 'bin') + '/',
          ...FABRIC_COMMANDS.map((cmd) => `./cmd/${cmd}`),
        ],
        {
          cwd: src,
          env: { ...process.env, GOFLAGS: '-mod=vendor', GOPROXY: 'off', CGO_ENABLED: '0' },
          timeoutMs: 30 * 60_000,
        },
      ),
    );
    mkdirSync(path.join(work, 'config'));
    for (const file of CONFIG_FILES) cpSync(path.join(src, 'sampleconfig', file), path.join(work, 'config', file));
    rmSync(src, { recursive: true, force: true });
    const patched = patches.length === 0 ? '' : ` + ${patches.map((file) => path.basename(file)).join(', ')}`;
    writeFileSync(path.join(work, COMPLETE), `fabric ${FABRIC_VERSION} from ${archive}${patched}\n`);
    rmSync(target, { recursive: true, force: true });
    renameSync(work, target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function ensureFabric(env: NodeJS.ProcessEnv, log: Logger): Promise<{ bin: string; config: string }> {
  if (env.KISEKI_FABRIC_BIN) {
    const bin = path.resolve(env.KISEKI_FABRIC_BIN);
    const config = path.resolve(env.KISEKI_FABRIC_CONFIG ?? path.join(bin, '..', 'config'));
    if (!hasFabric(bin, config)) {
      throw new NetworkError(
        `KISEKI_FABRIC_BIN=${bin} must hold ${FABRIC_COMMANDS.join(', ')} and ${config} (KISEKI_FABRIC_CONFIG) must hold ${CONFIG_FILES.join(', ')}`,
      );
    }
    log.info(`✓ Fabric from KISEKI_FABRIC_BIN (${bin})`);
    return { bin, config };
  }
  const patches = fabricPatches();
  const target = path.join(cacheDir(env), fabricBuildName(patches));
  const cached = { bin: path.join(target, 'bin'), config: path.join(target, 'config') };
  if (existsSync(path.join(target, COMPLETE)) && hasFabric(cached.bin, cached.config)) {
    log.info(`✓ Fabric v${FABRIC_VERSION} (cached in ${target})`);
    return cached;
  }
  const archive = path.resolve(env.KISEKI_FABRIC_SOURCE ?? defaultSourceArchive());
  if (!existsSync(archive)) {
    throw new NetworkError(
      `Fabric v${FABRIC_VERSION} is not built yet and no source archive was found at ${archive}.\n` +
        `Provide one of: KISEKI_FABRIC_BIN=<folder with peer, orderer, …> (e.g. bin/ of the official ` +
        `hyperledger-fabric-linux-amd64-${FABRIC_VERSION}.tar.gz, with config/ beside it), or ` +
        `KISEKI_FABRIC_SOURCE=<fabric-${FABRIC_VERSION} source .tar.gz with vendor/, SHA-256 ${FABRIC_SOURCE_SHA256}>.`,
    );
  }
  mkdirSync(cacheDir(env), { recursive: true });
  await buildFabric(archive, target, patches, log);
  return cached;
}

async function ensureMinio(env: NodeJS.ProcessEnv, log: Logger): Promise<string> {
  if (env.KISEKI_MINIO_BIN) {
    if (!existsSync(env.KISEKI_MINIO_BIN)) throw new NetworkError(`KISEKI_MINIO_BIN=${env.KISEKI_MINIO_BIN} does not exist`);
    return path.resolve(env.KISEKI_MINIO_BIN);
  }
  const target = path.join(cacheDir(env), `minio-${MINIO_VERSION}`);
  const binary = path.join(target, 'minio');
  if (existsSync(binary) && existsSync(path.join(target, COMPLETE))) {
    log.info(`✓ MinIO ${MINIO_VERSION} (cached in ${target})`);
    return binary;
  }
  await requireGo();
  const work = `${target}.building-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    const install = (): Promise<unknown> =>
      run('go', ['install', `${MINIO_MODULE}@${MINIO_VERSION}`], {
        env: { ...process.env, GOBIN: work, CGO_ENABLED: '0' },
        cwd: work,
        timeoutMs: 40 * 60_000,
      });
    await log.step(`build MinIO ${MINIO_VERSION} through the Go module proxy (about 5 min cold)`, async () => {
      // One retry: a dropped download from the module proxy should not fail a whole test run.
      await install().catch(async (error: unknown) => {
        log.info(`  MinIO build failed once, retrying: ${String(error).split('\n')[0] ?? ''}`);
        await install();
      });
    });
    writeFileSync(path.join(work, COMPLETE), `${MINIO_MODULE}@${MINIO_VERSION}\n`);
    rmSync(target, { recursive: true, force: true });
    renameSync(work, target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return binary;
}

/** Finds or builds every native tool the network needs; a second call costs milliseconds. */
export async function ensureTools(log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<Tools> {
  const fabric = await ensureFabric(env, log);
  const minio = await ensureMinio(env, log);
  return { fabricBin: fabric.bin, fabricConfig: fabric.config, minio };
}

/** Version line of the cached Fabric peer, for status output. */
export function describeTools(tools: Tools): string {
  const marker = path.join(tools.fabricBin, '..', COMPLETE);
  return existsSync(marker) ? readFileSync(marker, 'utf8').trim() : tools.fabricBin;
}
