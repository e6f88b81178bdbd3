import { parseArgs } from 'node:util';
import { NetworkError } from './errors';
import { consoleLogger, seconds } from './log';
import { deploy, down, NetworkStatus, startNode, status, stopNode, up } from './network';
import { ensureTools } from './tools';
import { redactUrl } from './postgres';
import { consortiumCommand, CONSORTIUM_USAGE } from './cli-consortium';
import { DEFAULT_BASE_PORT } from './topology';

const USAGE = `Usage: npm run network -- <command> [options]

  up [--consensus raft|bft] [--base-port N] [--hosts]
                                              start everything (idempotent); --hosts (root): each orderer, org
                                              and the vault in its own network namespace and address
  deploy                                      deploy the chaincode as built now (next sequence if changed)
  status [--json] [--show-secrets]            nodes, endpoints, pids, health; connection details with --json
                                              (vault secrets only with --show-secrets)
  stop-node NAME | start-node NAME            stop or start one node (orderer0, peer0.studio1, vault, …)
  down [--purge]                              stop every process of this network; --purge deletes its state
  tools                                       build or find Fabric and MinIO in the cache${CONSORTIUM_USAGE}

State dir: KISEKI_STATE_DIR (default .kiseki/). Default base port ${DEFAULT_BASE_PORT}.`;

function printStatus(s: NetworkStatus): void {
  const mark = (ok: boolean): string => (ok ? 'up  ' : 'DOWN');
  const line = (n: { name: string; endpoint: string; pid: number | null; healthy: boolean; mspId?: string }): string =>
    `  ${mark(n.healthy)} ${n.name.padEnd(18)} ${n.endpoint.padEnd(20)} pid ${String(n.pid ?? '-').padEnd(8)} ${n.mspId ?? ''}`;
  console.log(`Kiseki network (${s.consensus}, base port ${s.basePort}, state ${s.stateDir})`);
  if (s.hosts !== undefined)
    console.log(`hosts mode: one network namespace per node (${s.hosts.namespacePrefix}-*) on bridge ${s.hosts.bridge}, ${s.hosts.subnet}`);
  console.log(`channel ${s.channel}, chaincode ${s.chaincode.name} sequence ${s.chaincode.sequence ?? '-'}`);
  if (s.configBlock !== null)
    console.log(`config block ${s.configBlock.number} hash ${s.configBlock.hash}  (pin with kiseki-verify --anchor)`);
  for (const n of [...s.orderers, ...s.peers]) console.log(line(n));
  console.log(line({ name: 'vault', endpoint: s.vault.endpoint.replace('http://', ''), pid: s.vault.pid, healthy: s.vault.healthy }));
  for (const g of s.gateways)
    console.log(line({ name: `gateway ${g.mspId}`, endpoint: g.url.replace(/^https?:\/\//, ''), pid: g.pid, healthy: g.healthy }));
  if (s.database !== null) {
    const where = new URL(s.database.url);
    console.log(
      line({
        name: s.database.external ? 'database (ext.)' : 'database',
        endpoint: `${where.hostname}:${where.port || '5432'}`,
        pid: s.database.pid,
        healthy: s.database.healthy,
      }),
    );
    console.log(`database ${redactUrl(s.database.url)}  (one schema per org; password with status --json --show-secrets)`);
  }
}

/** The status without secrets: what `status --json` prints unless --show-secrets asks for them. */
function redacted(s: NetworkStatus): NetworkStatus {
  const hidden = '(hidden: add --show-secrets)';
  return {
    ...s,
    vault: { ...s.vault, secretKey: hidden },
    orgs: s.orgs.map((o) => ({ ...o, vault: { ...o.vault, secretKey: hidden } })),
    database: s.database === null ? null : { ...s.database, url: redactUrl(s.database.url) },
  };
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      consensus: { type: 'string' },
      'base-port': { type: 'string' },
      hosts: { type: 'boolean' },
      json: { type: 'boolean', default: false },
      purge: { type: 'boolean', default: false },
      'show-secrets': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      msp: { type: 'string' },
      role: { type: 'string' },
      policy: { type: 'string' },
      org: { type: 'string' },
      signers: { type: 'string' },
      orderer: { type: 'string' },
      identity: { type: 'string' },
    },
  });
  const [command, name] = positionals;
  const log = consoleLogger();
  if (values.help || !command) {
    console.log(USAGE);
    return;
  }
  const started = Date.now();
  switch (command) {
    case 'tools': {
      const tools = await ensureTools(log);
      console.log(`Fabric: ${tools.fabricBin}\nMinIO:  ${tools.minio}\nready in ${seconds(Date.now() - started)}`);
      return;
    }
    case 'up': {
      const consensus = values.consensus;
      if (consensus !== undefined && consensus !== 'raft' && consensus !== 'bft')
        throw new NetworkError(`--consensus must be raft or bft, got ${consensus}`);
      const basePort = values['base-port'] === undefined ? undefined : Number(values['base-port']);
      if (basePort !== undefined && !Number.isInteger(basePort))
        throw new NetworkError(`--base-port must be a number, got ${values['base-port']}`);
      const s = await up({
        log,
        ...(consensus ? { consensus: consensus } : {}),
        ...(basePort !== undefined ? { basePort } : {}),
        ...(values.hosts === true ? { hosts: true } : {}),
      });
      printStatus(s);
      console.log(`network up in ${seconds(Date.now() - started)}`);
      return;
    }
    case 'deploy': {
      const s = await deploy({ log });
      console.log(`chaincode ${s.chaincode.name} at sequence ${s.chaincode.sequence} (${seconds(Date.now() - started)})`);
      return;
    }
    case 'status': {
      const s = await status();
      if (values.json) console.log(JSON.stringify(values['show-secrets'] ? s : redacted(s), null, 2));
      else printStatus(s);
      if (!s.running) process.exitCode = 3;
      return;
    }
    case 'stop-node':
    case 'start-node': {
      if (!name) throw new NetworkError(`${command} needs a node name`);
      if (command === 'stop-node') console.log((await stopNode(name)) ? `stopped ${name}` : `${name} was not running`);
      else {
        await startNode(name);
        console.log(`started ${name}`);
      }
      return;
    }
    case 'down': {
      const stopped = await down({ purge: values.purge });
      console.log(stopped.length > 0 ? `stopped ${stopped.join(', ')}` : 'nothing was running');
      if (values.purge) console.log('state deleted');
      return;
    }
    default:
      if (await consortiumCommand(command, { positionals, values }, log)) return;
      throw new NetworkError(`unknown command ${command}\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof NetworkError ? `error: ${error.message}` : error);
  process.exit(1);
});
