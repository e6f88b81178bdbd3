#!/usr/bin/env node
import { readFileSync, statSync } from 'node:fs';
import { readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { dataIdFor, uploadFolder, type FolderProgress } from './batch';
import { createKisekiClient, type KisekiClient } from './index';

/**
 * `kiseki`: the studio-side command line over the typed client.
 *
 *   kiseki upload <folder> --provider <id> --terms <id> [--id-prefix p-] [--no-session]
 *   kiseki attest <modelId> <ids-file | folder> [--id-prefix p-]
 *   kiseki seal <modelId>
 *   kiseki verify <outputId>
 *
 * The gateway and key come from --gateway/--key or KISEKI_GATEWAY/KISEKI_API_KEY; the CA to trust for an
 * HTTPS gateway from --cacert or KISEKI_CA_CERT.
 */

const USAGE = `usage: kiseki <upload|attest|seal|verify> … [--gateway URL] [--key KEY] [--cacert PEM] [--cert PEM --cert-key PEM]
  upload <folder> --provider ID --terms ID [--id-prefix P] [--no-session]
                                   every file of the folder as a data item (resumable: run again after an interruption)
  attest <modelId> <file|folder>   training ids, one per line (or the folder's files, as upload names them)
  seal <modelId>                   seal a model and print its training root
  verify <outputId>                an output's verdict and lineage
--cacert: the org's TLS CA that issued the gateway's certificate (npm start prints its path)
--cert/--cert-key: a client certificate, for a gateway that requires mutual TLS
environment: KISEKI_GATEWAY, KISEKI_API_KEY, KISEKI_CA_CERT, KISEKI_CLIENT_CERT, KISEKI_CLIENT_KEY`;

/** A one-line progress bar on a terminal, a line every few seconds otherwise. */
export function progressLine(p: FolderProgress, startedAt: number, width = 30): string {
  const ratio = p.total === 0 ? 1 : Math.min(p.done / p.total, 1);
  const filled = Math.round(ratio * width);
  const seconds = Math.max((Date.now() - startedAt) / 1000, 0.001);
  const counts = Object.entries(p.summary)
    .map(([status, n]) => `${status} ${n}`)
    .join(', ');
  return `${p.phase.padEnd(11)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total} ${(p.done / seconds).toFixed(0)}/s${counts === '' ? '' : `  ${counts}`}`;
}

function reporter(): { update(p: FolderProgress): void; done(): void } {
  const startedAt = Date.now();
  let lastPrinted = 0;
  let lastPhase = '';
  return {
    update(p) {
      const now = Date.now();
      if (process.stderr.isTTY) {
        if (now - lastPrinted < 100 && p.done !== p.total) return;
        process.stderr.write(`\r${progressLine(p, startedAt)}`);
      } else {
        if (now - lastPrinted < 5000 && p.phase === lastPhase && p.done !== p.total) return;
        process.stderr.write(`${progressLine(p, startedAt)}\n`);
      }
      lastPrinted = now;
      lastPhase = p.phase;
    },
    done() {
      if (process.stderr.isTTY) process.stderr.write('\n');
    },
  };
}

function idsFrom(source: string, prefix: string | undefined): string[] {
  if (statSync(source).isDirectory()) {
    return readdirSync(source, { withFileTypes: true })
      .filter((e) => e.isFile() && !e.name.startsWith('.'))
      .map((e) => dataIdFor(e.name, prefix));
  }
  return readFileSync(source, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

async function run(
  client: KisekiClient,
  command: string,
  args: string[],
  flags: Record<string, string | boolean | undefined>,
): Promise<number> {
  const prefix = typeof flags['id-prefix'] === 'string' ? flags['id-prefix'] : undefined;
  switch (command) {
    case 'upload': {
      const [folder] = args;
      if (folder === undefined || typeof flags.provider !== 'string' || typeof flags.terms !== 'string') throw new Error(USAGE);
      const bar = reporter();
      const summary = await uploadFolder(client, folder, {
        providerId: flags.provider,
        termsId: flags.terms,
        ...(prefix === undefined ? {} : { idPrefix: prefix }),
        session: flags['no-session'] !== true,
        onProgress: (p) => {
          bar.update(p);
        },
      });
      bar.done();
      print(summary);
      return summary.failed > 0 || summary.pending > 0 ? 1 : 0;
    }
    case 'attest': {
      const [modelId, source] = args;
      if (modelId === undefined || source === undefined) throw new Error(USAGE);
      const { data, error } = await client.POST('/v1/models/{modelId}/training-batches/bulk', {
        params: { path: { modelId } },
        body: { dataIds: idsFrom(source, prefix) },
      });
      print(data ?? error);
      return data?.complete === true ? 0 : 1;
    }
    case 'seal': {
      const [modelId] = args;
      if (modelId === undefined) throw new Error(USAGE);
      const { data, error } = await client.POST('/v1/models/{modelId}/seal', { params: { path: { modelId } }, body: {} });
      print(data ?? error);
      return data === undefined ? 1 : 0;
    }
    case 'verify': {
      const [outputId] = args;
      if (outputId === undefined) throw new Error(USAGE);
      const { data, error } = await client.GET('/v1/outputs/{outputId}/verification', { params: { path: { outputId } } });
      print(data ?? error);
      return data === undefined ? 1 : 0;
    }
    default:
      throw new Error(USAGE);
  }
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      gateway: { type: 'string' },
      key: { type: 'string' },
      provider: { type: 'string' },
      terms: { type: 'string' },
      'id-prefix': { type: 'string' },
      'no-session': { type: 'boolean' },
      cacert: { type: 'string' },
      cert: { type: 'string' },
      'cert-key': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...args] = positionals;
  const baseUrl = values.gateway ?? process.env.KISEKI_GATEWAY;
  const apiKey = values.key ?? process.env.KISEKI_API_KEY;
  if (values.help === true || command === undefined || baseUrl === undefined || apiKey === undefined) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(values.help === true ? 0 : 2);
  }
  const caCertPath = values.cacert ?? process.env.KISEKI_CA_CERT;
  const clientCertPath = values.cert ?? process.env.KISEKI_CLIENT_CERT;
  const clientKeyPath = values['cert-key'] ?? process.env.KISEKI_CLIENT_KEY;
  const client = createKisekiClient({
    baseUrl,
    apiKey,
    ...(caCertPath === undefined ? {} : { caCertPath }),
    ...(clientCertPath === undefined ? {} : { clientCertPath }),
    ...(clientKeyPath === undefined ? {} : { clientKeyPath }),
  });
  process.exitCode = await run(client, command, args, values);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
