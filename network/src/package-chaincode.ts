import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NetworkError } from './errors';
import { run } from './exec';
import { CHAINCODE_DIR } from './paths';

export interface ChaincodePackage {
  readonly file: string;
  readonly label: string;
  /** `label:sha256(package)`, exactly as the peer computes it. */
  readonly packageId: string;
  /** Collection config shipped inside the package, also passed to approve/commit; absent when none. */
  readonly collectionsConfig?: string;
}

interface PackageJson {
  name: string;
  version: string;
  main?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const readPackageJson = (file: string): PackageJson => JSON.parse(readFileSync(file, 'utf8')) as PackageJson;

/** Resolves a package the way Node does: the nearest node_modules/<name> walking up from `fromDir`. */
function resolvePackageDir(name: string, fromDir: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The chaincode's production dependency closure, as installed in this repository, mapped to where
 * each package must sit under the package's own node_modules. Copying these (instead of `npm ci`
 * in the builder) makes install need no registry and keeps it fast.
 */
export function productionClosure(rootPackageDir: string): Map<string, string> {
  const out = new Map<string, string>();
  const queue: { dir: string; optional: boolean; name: string; from: string }[] = [];
  const enqueueDeps = (dir: string): void => {
    const pkg = readPackageJson(path.join(dir, 'package.json'));
    for (const name of Object.keys(pkg.dependencies ?? {})) queue.push({ dir, optional: false, name, from: dir });
    for (const name of Object.keys(pkg.optionalDependencies ?? {})) queue.push({ dir, optional: true, name, from: dir });
  };
  enqueueDeps(rootPackageDir);
  for (let next = queue.shift(); next; next = queue.shift()) {
    // Type declarations are for the compiler, never loaded at run time.
    if (next.name.startsWith('@types/')) continue;
    const found = resolvePackageDir(next.name, next.from);
    if (!found) {
      if (next.optional) continue;
      throw new NetworkError(`chaincode dependency ${next.name} (needed by ${next.from}) is not installed; run npm install`);
    }
    // Where it goes: its path below the outermost node_modules that holds it.
    const marker = `${path.sep}node_modules${path.sep}`;
    const at = found.indexOf(marker);
    const relative = path.join('node_modules', found.slice(at + marker.length));
    if (out.has(relative)) continue;
    out.set(relative, found);
    enqueueDeps(found);
  }
  return out;
}

const RUNTIME_IRRELEVANT =
  /(^|\/)(\.bin|coverage|test|tests|docs|\.github)$|\.(map|md|markdown|d\.ts|d\.mts|d\.cts|ts|mts|cts|tsbuildinfo|log|xml)$/;

/**
 * Whether a file of the chaincode's `dist` (path relative to it) goes into the package: compiled
 * production code only. Test support (`testing/`: the in-memory peer, fixtures) and compiled tests are
 * built for the workspace's own tests and benchmarks, never installed on peers.
 */
export function shippedFromDist(relative: string): boolean {
  const parts = relative.split(path.sep);
  if (parts[0] === 'testing') return false;
  return !/\.test\.(js|d\.ts)$|\.(map|tsbuildinfo)$/.test(relative);
}

function filesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/**
 * Checks the `dist` about to be packaged: no test support and no compiled test in it, and no shipped
 * module that loads one (a production module requiring `testing/` would fail on the peer).
 * @throws NetworkError naming the offending files.
 */
export function assertNoTestSupport(packagedDist: string): void {
  const problems: string[] = [];
  for (const file of filesBelow(packagedDist)) {
    const relative = path.relative(packagedDist, file);
    if (!shippedFromDist(relative)) problems.push(`${relative} is test support`);
    else if (file.endsWith('.js') && /require\("(\.\.?\/)+testing\//.test(readFileSync(file, 'utf8')))
      problems.push(`${relative} loads test support`);
  }
  if (problems.length > 0) throw new NetworkError(`the chaincode package would ship test support: ${problems.join('; ')}`);
}

async function deterministicTarGz(cwd: string, entries: readonly string[], output: string): Promise<void> {
  // Sorted names, fixed mtime and owner, gzip without a timestamp: unchanged code → same package ID.
  await run(
    'bash',
    [
      '-c',
      'set -euo pipefail; tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - "${@:2}" | gzip -n > "$1"',
      'tar',
      output,
      ...entries,
    ],
    { cwd },
  );
}

/**
 * Builds a Fabric chaincode package of the compiled TypeScript chaincode with its production
 * dependencies: `metadata.json` (type node) and `code.tar.gz` whose entries sit under `src/`.
 */
export async function packageChaincode(
  buildDir: string,
  label: string,
  chaincodeDir = CHAINCODE_DIR,
  overrides: Readonly<Record<string, string>> = {},
): Promise<ChaincodePackage> {
  const dist = path.join(chaincodeDir, 'dist');
  if (!existsSync(path.join(dist, 'index.js')))
    throw new NetworkError(`dist/index.js is missing in ${chaincodeDir}: run npm run build first`);
  rmSync(buildDir, { recursive: true, force: true });
  const src = path.join(buildDir, 'code', 'src');
  mkdirSync(src, { recursive: true });

  const manifest = readPackageJson(path.join(chaincodeDir, 'package.json'));
  writeFileSync(
    path.join(src, 'package.json'),
    JSON.stringify(
      {
        name: manifest.name,
        version: manifest.version,
        main: 'dist/index.js',
        private: true,
        dependencies: manifest.dependencies ?? {},
      },
      null,
      2,
    ),
  );
  cpSync(dist, path.join(src, 'dist'), { recursive: true, filter: (file) => shippedFromDist(path.relative(dist, file)) });
  assertNoTestSupport(path.join(src, 'dist'));
  const collections = path.join(chaincodeDir, 'collections_config.json');
  if (existsSync(collections)) cpSync(collections, path.join(src, 'collections_config.json'));
  const consortium = path.join(chaincodeDir, 'consortium.json');
  if (existsSync(consortium)) cpSync(consortium, path.join(src, 'consortium.json'));
  // Data files the network decides (the consortium's role table, collection members): same code, other data.
  for (const [name, content] of Object.entries(overrides)) writeFileSync(path.join(src, name), content);
  for (const [relative, from] of productionClosure(chaincodeDir)) {
    cpSync(from, path.join(src, relative), {
      recursive: true,
      verbatimSymlinks: true,
      // Nested node_modules are copied as their own closure entries; the peer refuses symlinks; what only
      // compilers, editors and package tests read stays out (half the size: faster install on every peer).
      filter: (file) =>
        file === from || !(file.startsWith(path.join(from, 'node_modules')) || RUNTIME_IRRELEVANT.test(path.relative(from, file))),
    });
  }
  await run('find', [src, '-type', 'l', '-delete']);

  await deterministicTarGz(path.join(buildDir, 'code'), ['src'], path.join(buildDir, 'code.tar.gz'));
  writeFileSync(path.join(buildDir, 'metadata.json'), JSON.stringify({ type: 'node', label }));
  const file = path.join(buildDir, `${label}.tar.gz`);
  await deterministicTarGz(buildDir, ['metadata.json', 'code.tar.gz'], file);
  const digest = createHash('sha256').update(readFileSync(file)).digest('hex');
  return {
    file,
    label,
    packageId: `${label}:${digest}`,
    ...(existsSync(path.join(src, 'collections_config.json')) ? { collectionsConfig: path.join(src, 'collections_config.json') } : {}),
  };
}
