#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { EvidenceBundle } from './bundle';
import { nodeCrypto } from './node-crypto';
import { formatReport } from './report';
import { verifyCredentialedFile } from './node-c2pa';
import { verifyBundle, type Report } from './verify';

const USAGE = `Usage: kiseki-verify BUNDLE.json [FILE] --anchor HASH [--policy EXPR] [--c2pa] [--json]

Checks a Kiseki evidence bundle offline: the config block against the pinned hash (--anchor, or
KISEKI_ANCHOR), the block header chain, orderer and endorser signatures, the endorsement policy,
validation attestations, the written values, the RFC 6962 proof and, given FILE, its SHA-256.
With --c2pa, FILE is an output carrying Content Credentials: its C2PA manifest is read and validated
(signer chained to the owning org's CA in the bundle), its ledger references must name the bundle's
output, and the file without its manifest must hash to the registered digest.
Exit status: 0 verified, 1 not verified (the failed checks are named), 2 usage error.`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      anchor: { type: 'string' },
      policy: { type: 'string' },
      json: { type: 'boolean', default: false },
      c2pa: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [bundlePath, filePath] = positionals;
  if (values.help || bundlePath === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const bundle = JSON.parse(readFileSync(bundlePath, 'utf8')) as EvidenceBundle;
  const anchor = values.anchor ?? process.env.KISEKI_ANCHOR;
  const started = performance.now();
  const options = {
    crypto: nodeCrypto,
    ...(anchor === undefined || anchor === '' ? {} : { anchor }),
    ...(values.policy === undefined ? {} : { policy: values.policy }),
  };
  const file = filePath === undefined ? undefined : new Uint8Array(readFileSync(filePath));
  let report: Report;
  if (values.c2pa) {
    if (file === undefined) throw new Error('--c2pa needs the FILE that carries the credentials');
    report = await verifyCredentialedFile(bundle, file, options);
  } else report = await verifyBundle(bundle, { ...options, ...(file === undefined ? {} : { file }) });
  const ms = performance.now() - started;
  if (values.json) process.stdout.write(`${JSON.stringify({ ...report, durationMs: Math.round(ms) }, null, 2)}\n`);
  else process.stdout.write(`${formatReport(report)}(checked in ${ms.toFixed(0)} ms, offline)\n`);
  return report.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`kiseki-verify: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
