import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { connectOrg, OrgClient } from '../client';
import { consoleLogger } from '../log';
import { down, up } from '../network';
import { REPO_ROOT } from '../paths';
import { measureBaseline } from './baseline';
import { describeError, formatTable } from './stats';
import { BenchSuite } from './suite';

const networkSuite: BenchSuite = {
  name: 'network',
  description: 'the baseline alone: one-key writes at 1/50/200 in flight and an evaluate',
  run: () => Promise.resolve({ text: '', data: {} }),
};

/** Suites that live beside the code they measure; each module exports `suite`. */
const SUITE_MODULES: Record<string, string> = {
  provenance: path.join(REPO_ROOT, 'network', 'dist', 'bench', 'provenance.js'),
  royalties: path.join(REPO_ROOT, 'network', 'dist', 'bench', 'royalties.js'),
  keys: path.join(REPO_ROOT, 'network', 'dist', 'bench', 'keys.js'),
  gateway: path.join(REPO_ROOT, 'gateway', 'dist', 'bench.js'),
  ingest: path.join(REPO_ROOT, 'client', 'dist', 'bench-ingest.js'),
  index: path.join(REPO_ROOT, 'gateway', 'dist', 'indexer', 'bench.js'),
  scaleout: path.join(REPO_ROOT, 'gateway', 'dist', 'bench-scaleout.js'),
  exchange: path.join(REPO_ROOT, 'gateway', 'dist', 'bench-exchange.js'),
  limits: path.join(REPO_ROOT, 'gateway', 'dist', 'bench-limits.js'),
};

function loadSuite(name: string): BenchSuite {
  if (name === 'network') return networkSuite;
  const file = SUITE_MODULES[name];
  if (!file) throw new Error(`unknown benchmark ${name}; available: network, ${Object.keys(SUITE_MODULES).join(', ')}`);
  if (!existsSync(file)) throw new Error(`benchmark ${name} is not built (${file} missing)`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(file) as { suite: BenchSuite }).suite;
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      'base-port': { type: 'string', default: process.env.KISEKI_BENCH_BASE_PORT ?? '26000' },
      consensus: { type: 'string', default: 'raft' },
      scale: { type: 'string', default: '1' },
      keep: { type: 'boolean', default: false },
    },
  });
  const names = positionals.length > 0 ? positionals : ['network'];
  // Suites that run contract code in process would otherwise log fabric-contract-api's start-up chatter.
  process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'WARNING';
  const suites = names.map(loadSuite);
  const scale = Number(values.scale);
  const log = consoleLogger();
  const stateDir = path.resolve(process.env.KISEKI_BENCH_STATE_DIR ?? path.join(REPO_ROOT, '.kiseki-bench'));
  // Settings some suites read from the environment belong to the command that reproduces the run.
  const settings = Object.entries(process.env)
    .filter(([name]) => name.startsWith('KISEKI_BENCH_'))
    .map(([name, value]) => `${name}=${value ?? ''} `)
    .join('');
  const command = `${settings}npm run bench -- ${process.argv.slice(2).join(' ') || 'network'}`;
  log.info(
    `Kiseki benchmark: ${names.join(', ')}\n  reproduce: ${command}\n  machine: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()}\n  network: ${values.consensus}, own state dir ${stateDir}, base port ${values['base-port']}`,
  );

  await down({ stateDir, purge: true });
  const clients: OrgClient[] = [];
  try {
    const status = await up({ stateDir, basePort: Number(values['base-port']), consensus: values.consensus as 'raft' | 'bft', log });
    const client = (mspId: string): OrgClient => {
      const c = connectOrg(status, mspId);
      clients.push(c);
      return c;
    };
    const tag = `b${Date.now().toString(36)}`;
    const baseline = await log.step('baseline (same run)', () => measureBaseline(client('Studio1MSP'), tag, scale));
    log.info(
      `\nBaseline — ${status.orderers.length} ${values.consensus} orderers, 4 peers, TLS, BatchTimeout 200 ms\n${formatTable([...baseline.writes, baseline.evaluate], 'tx/s')}`,
    );
    log.info(`  baseline single-key write TPS (best of the three): ${baseline.writeTps.toFixed(1)}`);
    const reports: Record<string, unknown> = { baseline };
    for (const suite of suites.filter((s) => s !== networkSuite)) {
      const report = await log.step(`${suite.name}: ${suite.description}`, () =>
        // Each suite gets its own ID namespace: suites share one network and one run tag.
        suite.run({ status, stateDir, baseline, tag: `${tag}-${suite.name}`, log, scale, client }),
      );
      log.info(`\n${suite.name}\n${report.text}`);
      reports[suite.name] = report.data;
    }
    mkdirSync(path.join(REPO_ROOT, 'reports'), { recursive: true });
    const file = path.join(REPO_ROOT, 'reports', `bench-${names.join('-')}.json`);
    writeFileSync(file, JSON.stringify({ command, at: new Date().toISOString(), cores: os.cpus().length, ...reports }, null, 2));
    log.info(`\nfigures saved to ${path.relative(REPO_ROOT, file)}; reproduce with: ${command}`);
  } finally {
    for (const c of clients) c.close();
    if (!values.keep) await down({ stateDir, purge: true });
  }
}

main().catch((error: unknown) => {
  console.error(describeError(error));
  process.exit(1);
});
