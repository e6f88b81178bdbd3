import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { ExchangeHeaders, newOrgSigner, signRequest, verifyRequest, type Verdict, type VerifyInput } from './signing';

const reason = (v: Verdict): string => (v.ok ? 'accepted' : v.reason);

/** An org CA and one identity it issued (ECDSA P-256, as Fabric's), made with openssl. */
function org(name: string): { caPem: string; certPem: string; keyPem: string } {
  const dir = mkdtempSync(join(tmpdir(), `kiseki-sign-${name}-`));
  const run = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: 'ignore' });
  };
  run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', join(dir, 'ca.key'));
  run('req', '-new', '-x509', '-key', join(dir, 'ca.key'), '-subj', `/CN=ca.${name}`, '-days', '2', '-out', join(dir, 'ca.pem'));
  run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', join(dir, 'user.key'));
  run('pkcs8', '-topk8', '-nocrypt', '-in', join(dir, 'user.key'), '-out', join(dir, 'user.pk8'));
  run('req', '-new', '-key', join(dir, 'user.key'), '-subj', `/CN=user.${name}`, '-out', join(dir, 'user.csr'));
  run(
    'x509',
    '-req',
    '-in',
    join(dir, 'user.csr'),
    '-CA',
    join(dir, 'ca.pem'),
    '-CAkey',
    join(dir, 'ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-out',
    join(dir, 'user.pem'),
  );
  return {
    caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    certPem: readFileSync(join(dir, 'user.pem'), 'utf8'),
    keyPem: readFileSync(join(dir, 'user.pk8'), 'utf8'),
  };
}

describe('exchange request signing', () => {
  const studio2 = org('studio2');
  const other = org('other');
  const signer = newOrgSigner('Studio2MSP', studio2.certPem, studio2.keyPem);
  const cas = new Map([['Studio2MSP', [new X509Certificate(studio2.caPem)]]]);
  const now = new Date();
  const path = '/v1/exchange/data/d1/content?grantId=g1';
  const input = (headers: Record<string, string>, over: Partial<VerifyInput> = {}): VerifyInput => ({
    method: 'GET',
    pathAndQuery: path,
    headers: (name) => headers[name],
    selfMsp: 'Studio1MSP',
    orgCas: cas,
    now,
    maxSkewMs: 60_000,
    ...over,
  });

  it('when an org signs a request for the holder, then the holder accepts it as that org', () => {
    const headers = signRequest(signer, { method: 'GET', pathAndQuery: path, toMsp: 'Studio1MSP', now });
    expect(verifyRequest(input(headers))).toEqual({ ok: true, mspId: 'Studio2MSP' });
  });

  it('when the request was changed, meant for another holder, stale or unsigned, then it is refused', () => {
    const headers = signRequest(signer, { method: 'GET', pathAndQuery: path, toMsp: 'Studio1MSP', now });
    expect(reason(verifyRequest(input(headers, { pathAndQuery: '/v1/exchange/data/d2/content?grantId=g1' })))).toMatch(/signature/);
    expect(reason(verifyRequest(input(headers, { selfMsp: 'LicensorMSP' })))).toMatch(/signature/);
    expect(reason(verifyRequest(input(headers, { now: new Date(now.getTime() + 10 * 60_000) })))).toMatch(/fresh/);
    expect(reason(verifyRequest(input({})))).toMatch(/not signed/);
  });

  it("when the identity was not issued by the claimed org's CA, or the org is unknown, then it is refused", () => {
    const forged = signRequest(newOrgSigner('Studio2MSP', other.certPem, other.keyPem), {
      method: 'GET',
      pathAndQuery: path,
      toMsp: 'Studio1MSP',
      now,
    });
    expect(reason(verifyRequest(input(forged)))).toMatch(/not issued by Studio2MSP/);
    const unknown = signRequest(newOrgSigner('OtherMSP', other.certPem, other.keyPem), {
      method: 'GET',
      pathAndQuery: path,
      toMsp: 'Studio1MSP',
      now,
    });
    expect(reason(verifyRequest(input(unknown)))).toMatch(/not an org/);
    expect(unknown[ExchangeHeaders.org]).toBe('OtherMSP');
  });
});
