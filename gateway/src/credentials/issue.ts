import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
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
  const paths = {
    certPath: join(input.outDir, 'cert.pem'),
    keyPath: join(input.outDir, 'key.pem'),
    caCertPath: join(input.outDir, 'ca.pem'),
  };
  if (existsSync(paths.certPath) && existsSync(paths.keyPath) && existsSync(paths.caCertPath)) return paths;
  const caDir = join(orgRootOf(input.identityCertPath), 'ca');
  if (!existsSync(caDir)) return undefined;
  const files = readdirSync(caDir);
  const caKey = files.find((f) => f.endsWith('_sk'));
  const caCert = files.find((f) => f.endsWith('-cert.pem'));
  if (caKey === undefined || caCert === undefined) return undefined;
  mkdirSync(input.outDir, { recursive: true, mode: 0o700 });
  const csr = join(input.outDir, 'cert.csr');
  const ext = join(input.outDir, 'cert.ext');
  writeFileSync(
    ext,
    'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
  );
  try {
    await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', paths.keyPath]);
    await run('openssl', [
      'req',
      '-new',
      '-key',
      paths.keyPath,
      '-subj',
      `/O=${input.mspId}/OU=content-credentials/CN=Content Credentials ${input.mspId}`,
      '-out',
      csr,
    ]);
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
      `0x${Date.now().toString(16)}`,
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
