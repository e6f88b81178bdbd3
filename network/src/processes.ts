import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { NetworkError } from './errors';
import { constant, poll, retry } from './retry';

export { sleep } from './retry';

export interface NodeProcessSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly logFile: string;
  readonly pidFile: string;
  /** Hosts mode: the network namespace to run in (`ip netns exec`, which execs, so the pid stays the node's). */
  readonly namespace?: string;
}

/**
 * Starts a node in the background in its own process group, so stopping it also stops what it
 * launched (a peer's chaincode processes), and so the caller's exit does not take it down.
 */
export function startProcess(spec: NodeProcessSpec): number {
  mkdirSync(path.dirname(spec.logFile), { recursive: true });
  mkdirSync(path.dirname(spec.pidFile), { recursive: true });
  const out = openSync(spec.logFile, 'a');
  try {
    const [command, args] =
      spec.namespace === undefined ? [spec.command, spec.args] : ['ip', ['netns', 'exec', spec.namespace, spec.command, ...spec.args]];
    const child = spawn(command, args, {
      env: spec.env,
      cwd: spec.cwd,
      detached: true,
      stdio: ['ignore', out, out],
    });
    if (child.pid === undefined) throw new NetworkError(`${spec.name}: could not start ${spec.command}`);
    child.unref();
    writeFileSync(spec.pidFile, `${child.pid}\n${spec.command}\n`);
    return child.pid;
  } finally {
    closeSync(out);
  }
}

/** The pid recorded for a node, if the process is alive and still runs the command we started. */
export function livePid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const [pidLine, command] = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  // Guard against pid reuse: the live process must be the binary we launched.
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    // In hosts mode the process is `ip netns exec NS command …` for the moment before ip execs it.
    const launched = argv[1] === 'netns' && argv[2] === 'exec' ? argv[4] : argv[0];
    if (command && launched !== command) return undefined;
  } catch {
    return undefined;
  }
  return pid;
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a node and its process group: SIGTERM, then SIGKILL after the grace period. */
export async function stopProcess(pidFile: string, graceMs = 10_000): Promise<boolean> {
  const pid = livePid(pidFile);
  if (pid === undefined) {
    rmSync(pidFile, { force: true });
    return false;
  }
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const gone = (): boolean => !groupAlive(pid);
  if ((await poll(gone, { everyMs: 100, timeoutMs: graceMs })) === undefined) {
    signal('SIGKILL');
    await poll(gone, { everyMs: 50 });
  }
  rmSync(pidFile, { force: true });
  return true;
}

export function lastLines(file: string, count = 20): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-count).join('\n');
}

/** True when nothing listens on the loopback port. */
export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen(port, host, () =>
      server.close(() => {
        resolve(true);
      }),
    );
  });
}

/** GETs a health URL once; true on 2xx. An https URL is verified against `ca` (PEM) when given. */
export async function healthy(url: string, timeoutMs = 2000, ca?: string): Promise<boolean> {
  if (ca !== undefined && url.startsWith('https:'))
    return await new Promise((resolve) => {
      const req = httpsGet(url, { ca, agent: false, timeout: timeoutMs }, (res) => {
        res.resume();
        resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => {
        resolve(false);
      });
    });
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** True when something accepts a TCP connection on `host:port` within `timeoutMs`. */
export function portAnswers(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => {
      done(false);
    });
    socket.once('connect', () => {
      done(true);
    });
    socket.once('error', () => {
      done(false);
    });
  });
}

/**
 * Waits until every listed port of a node accepts connections. A Fabric node's operations endpoint
 * answers /healthz a moment before its gRPC listeners are bound, so health alone is not readiness.
 * @throws NetworkError naming the node, the port and its log file (with its last lines).
 */
export async function waitForPorts(
  name: string,
  ports: readonly number[],
  pidFile: string,
  logFile: string,
  timeoutMs = 60_000,
  host = '127.0.0.1',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const port of ports) {
    const listening = await poll(
      async () => {
        if (await portAnswers(port, host)) return true;
        if (livePid(pidFile) === undefined) {
          throw new NetworkError(`${name} exited before listening on port ${port}; last lines of ${logFile}:\n${lastLines(logFile)}`);
        }
        return false;
      },
      { everyMs: 100, timeoutMs: Math.max(0, deadline - Date.now()) },
    );
    if (listening === undefined) {
      throw new NetworkError(
        `${name} is not listening on port ${port} after ${timeoutMs / 1000}s; last lines of ${logFile}:\n${lastLines(logFile)}`,
      );
    }
  }
}

/**
 * Runs a step against a node until it succeeds or the bounded wait ends: right after start-up a node
 * may refuse a connection it will accept a second later.
 * @throws NetworkError naming the node, what was attempted and its log file, with the last failure.
 */
export async function retryAgainst<T>(
  name: string,
  what: string,
  logFile: string,
  step: () => Promise<T>,
  timeoutMs = 30_000,
  everyMs = 500,
): Promise<T> {
  let attempts = 0;
  try {
    return await retry(
      (attempt) => {
        attempts = attempt;
        return step();
      },
      { delay: constant(everyMs), deadlineMs: timeoutMs },
    );
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new NetworkError(
      `${what} on ${name} failed after ${attempts} attempts in ${Math.round(timeoutMs / 1000)}s (log: ${logFile}): ${reason}`,
      { cause: error },
    );
  }
}

/**
 * Waits until a node's health URL answers, failing early (with its last log lines) if the process
 * dies, and failing with a timeout rather than hanging.
 */
export async function waitHealthy(
  name: string,
  url: string,
  pidFile: string,
  logFile: string,
  timeoutMs = 60_000,
  /** PEM of the CA an HTTPS endpoint's certificate must chain to. */
  ca?: string,
): Promise<void> {
  const up = await poll(
    async () => {
      if (await healthy(url, ca === undefined ? 2000 : 5000, ca)) return true;
      if (livePid(pidFile) === undefined) {
        throw new NetworkError(`${name} exited during start-up; last lines of ${logFile}:\n${lastLines(logFile)}`);
      }
      return false;
    },
    { everyMs: 200, timeoutMs },
  );
  if (up === undefined) {
    throw new NetworkError(
      `${name} did not become healthy at ${url} within ${timeoutMs / 1000}s; last lines of ${logFile}:\n${lastLines(logFile)}`,
    );
  }
}
