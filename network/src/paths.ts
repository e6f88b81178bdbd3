import { existsSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The repository root: this file sits in network/src (tests) or network/dist (CLI). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const CONFIG_DIR = path.join(REPO_ROOT, 'test-network-config');
export const BUILDERS_DIR = path.join(REPO_ROOT, 'network', 'builders');
export const CHAINCODE_DIR = path.join(REPO_ROOT, 'chaincode');

/** Where a network keeps its crypto, ledgers, logs and pid files (`KISEKI_STATE_DIR`, default `.kiseki/`). */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.KISEKI_STATE_DIR ?? path.join(REPO_ROOT, '.kiseki'));
}

/** Built tools shared by every clone on the machine, keyed by version inside. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KISEKI_CACHE_DIR) return path.resolve(env.KISEKI_CACHE_DIR);
  const base = env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return path.join(base, 'kiseki');
}

/**
 * The folder of the Node 24 that npm installed for the project (node_modules/.bin/node links to it);
 * peers get it first on PATH, so the chaincode runs on it.
 */
export const NODE_BIN_DIR = ((): string => {
  const linked = path.join(REPO_ROOT, 'node_modules', '.bin', 'node');
  return existsSync(linked) ? path.dirname(realpathSync(linked)) : path.dirname(process.execPath);
})();
