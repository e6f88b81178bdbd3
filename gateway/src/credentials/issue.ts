import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A content-credentials certificate for a local network's org, issued by the org's own CA (the
 * cryptogen CA beside its MSP): ECDSA P-256, not a CA, keyUsage digitalSignature and the
 * emailProtection EKU, which is what a C2PA validator accepts for a claim signer. A production
 * deployment uses a certificate from a CA on the C2PA trust list instead (docs/verification.md).
 * Uses the `openssl` command; returns undefined when it or the CA key is not available.
 */
export interface ContentCredentialsPaths {
  certPath: string;
  keyPath: string;
  caCertPath: string;
}

/** The cryptogen org folder of an identity's `msp/signcerts/<cert>.pem`. */
const orgRootOf = (identityCertPath: string): string => dirname(dirname(dirname(dirname(dirname(identityCertPath)))));

export async function issueContentCredentials(input: {
  identityCertPath: string;
  outDir: string;
  mspId: string;
}): Promise<ContentCredentialsPaths | undefined> {
  return await issueLeaf({
    caDir: join(orgRootOf(input.identityCertPath), 'ca'),
    outDir: input.outDir,
    subject: `/O=${input.mspId}/OU=content-credentials/CN=Content Credentials ${input.mspId}`,
    extensions: 'keyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\n',
  });
}

/**
 * The gateway's HTTPS certificate, issued by the org's TLS CA (the cryptogen `tlsca/` folder that also
 * issued its peer's TLS certificate, named by `tlsCACertPath`): ECDSA P-256, serverAuth (and clientAuth,
 * so it can also be presented to another org's gateway that asks for client certificates), with every
 * name and address the gateway is reached at as subject alternative names. Reissued when the names change.
 * @throws Error when the CA folder, its key or `openssl` is missing.
 */
export async function issueGatewayTlsCert(input: {
  tlsCACertPath: string;
  outDir: string;
  mspId: string;
  /** DNS names and IP addresses (v4 or v6) clients use to reach the gateway. */
  hosts: readonly string[];
}): Promise<ContentCredentialsPaths> {
  const hosts = [...new Set(input.hosts.map((h) => h.replace(/^\[(.*)\]$/, '$1')))].sort();
  const san = hosts.map((h) => (isIP(h) === 0 ? `DNS:${h}` : `IP:${h}`)).join(',');
  const paths = await issueLeaf({
    caDir: dirname(input.tlsCACertPath),
    outDir: input.outDir,
    subject: `/O=${input.mspId}/OU=gateway/CN=gateway.${input.mspId.toLowerCase()}`,
    extensions: `keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${san}\n`,
  });
  if (paths === undefined)
    throw new Error(`cannot issue the gateway TLS certificate of ${input.mspId}: no CA key beside ${input.tlsCACertPath}, or no openssl`);
  return paths;
}

/** Issues (or keeps) a leaf certificate with a new P-256 key from the CA key and certificate in `caDir`. */
async function issueLeaf(input: {
  caDir: string;
  outDir: string;
  subject: string;
  extensions: string;
}): Promise<ContentCredentialsPaths | undefined> {
  const paths = {
    certPath: join(input.outDir, 'cert.pem'),
    keyPath: join(input.outDir, 'key.pem'),
    caCertPath: join(input.outDir, 'ca.pem'),
  };
  // What the certificate was issued as: a change of names or extensions issues it again.
  const ext = join(input.outDir, 'cert.ext');
  const extensions = `basicConstraints=critical,CA:FALSE\n${input.extensions}subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n`;
  const same = existsSync(ext) ? readFileSync(ext, 'utf8') === extensions : !input.extensions.includes('subjectAltName');
  if (same && existsSync(paths.certPath) && existsSync(paths.keyPath) && existsSync(paths.caCertPath)) return paths;
  const caDir = input.caDir;
  if (!existsSync(caDir)) return undefined;
  const files = readdirSync(caDir);
  const caKey = files.find((f) => f.endsWith('_sk'));
  const caCert = files.find((f) => f.endsWith('-cert.pem'));
  if (caKey === undefined || caCert === undefined) return undefined;
  mkdirSync(input.outDir, { recursive: true, mode: 0o700 });
  const csr = join(input.outDir, 'cert.csr');
  writeFileSync(ext, extensions);
  try {
    await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', paths.keyPath]);
    chmodSync(paths.keyPath, 0o600);
    await run('openssl', ['req', '-new', '-key', paths.keyPath, '-subj', input.subject, '-out', csr]);
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      join(caDir, caCert),
      '-CAkey',
      join(caDir, caKey),
      '-set_serial',
      `0x${Date.now().toString(16)}${randomBytes(4).toString('hex')}`,
      '-days',
      '825',
      '-sha256',
      '-extfile',
      ext,
      '-out',
      paths.certPath,
    ]);
    await run('openssl', ['x509', '-in', join(caDir, caCert), '-out', paths.caCertPath]);
  } catch {
    return undefined;
  }
  return paths;
}
