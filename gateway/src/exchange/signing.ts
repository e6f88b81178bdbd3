import { createPrivateKey, createPublicKey, sign, verify, X509Certificate, type KeyObject } from 'node:crypto';

/**
 * Requests between org gateways, signed with the requesting org's Fabric identity (the same
 * certificate and key it transacts with). The holder checks that the certificate was issued by the
 * claimed org's CA, is valid now, and signed this exact request (method, path with query, time and
 * the holder it was meant for) within a short window. Pure: no HTTP, no ledger.
 */

export const ExchangeHeaders = {
  org: 'x-kiseki-org',
  cert: 'x-kiseki-cert',
  date: 'x-kiseki-date',
  signature: 'x-kiseki-signature',
} as const;

const SCHEME = 'KISEKI-EXCHANGE-1';

/** The bytes signed for one request. */
export function signingInput(parts: { method: string; pathAndQuery: string; date: string; fromMsp: string; toMsp: string }): Buffer {
  return Buffer.from([SCHEME, parts.method.toUpperCase(), parts.pathAndQuery, parts.date, parts.fromMsp, parts.toMsp].join('\n'), 'utf8');
}

/** The org's signing identity. */
export interface OrgSigner {
  readonly mspId: string;
  readonly certPem: string;
  readonly key: KeyObject;
}

export function newOrgSigner(mspId: string, certPem: string, keyPem: string): OrgSigner {
  return { mspId, certPem, key: createPrivateKey(keyPem) };
}

/** Headers that authenticate a request from `signer`'s org to `toMsp`'s gateway. */
export function signRequest(
  signer: OrgSigner,
  request: { method: string; pathAndQuery: string; toMsp: string; now?: Date },
): Record<string, string> {
  const date = (request.now ?? new Date()).toISOString();
  const input = signingInput({
    method: request.method,
    pathAndQuery: request.pathAndQuery,
    date,
    fromMsp: signer.mspId,
    toMsp: request.toMsp,
  });
  return {
    [ExchangeHeaders.org]: signer.mspId,
    [ExchangeHeaders.cert]: Buffer.from(signer.certPem, 'utf8').toString('base64'),
    [ExchangeHeaders.date]: date,
    [ExchangeHeaders.signature]: sign('sha256', input, signer.key).toString('base64'),
  };
}

/** Why a signed request is not accepted, or the org it comes from. */
export type Verdict = { readonly ok: true; readonly mspId: string } | { readonly ok: false; readonly reason: string };

export interface VerifyInput {
  readonly method: string;
  readonly pathAndQuery: string;
  readonly headers: (name: string) => string | undefined;
  /** This gateway's org: a request signed for another holder is refused. */
  readonly selfMsp: string;
  /** The CA certificates (PEM) of each org this gateway serves, by MSP ID. */
  readonly orgCas: ReadonlyMap<string, readonly X509Certificate[]>;
  readonly now: Date;
  readonly maxSkewMs: number;
}

/** Checks a signed request: known org, certificate issued by its CA and valid now, fresh, signature. */
export function verifyRequest(input: VerifyInput): Verdict {
  const mspId = input.headers(ExchangeHeaders.org);
  const certB64 = input.headers(ExchangeHeaders.cert);
  const date = input.headers(ExchangeHeaders.date);
  const signature = input.headers(ExchangeHeaders.signature);
  if (mspId === undefined || certB64 === undefined || date === undefined || signature === undefined)
    return { ok: false, reason: 'the request is not signed by an org' };
  const cas = input.orgCas.get(mspId);
  if (cas === undefined || cas.length === 0) return { ok: false, reason: `${mspId} is not an org this gateway exchanges with` };
  const at = Date.parse(date);
  if (!Number.isFinite(at) || Math.abs(input.now.getTime() - at) > input.maxSkewMs)
    return { ok: false, reason: 'the request is not fresh (check the clocks)' };
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(Buffer.from(certB64, 'base64'));
  } catch {
    return { ok: false, reason: 'the certificate is malformed' };
  }
  if (!cas.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey)))
    return { ok: false, reason: `the certificate was not issued by ${mspId}'s CA` };
  if (input.now.getTime() < Date.parse(cert.validFrom) || input.now.getTime() > Date.parse(cert.validTo))
    return { ok: false, reason: 'the certificate is not valid now' };
  const data = signingInput({ method: input.method, pathAndQuery: input.pathAndQuery, date, fromMsp: mspId, toMsp: input.selfMsp });
  let valid = false;
  try {
    valid = verify(
      'sha256',
      data,
      createPublicKey(cert.publicKey.export({ type: 'spki', format: 'pem' })),
      Buffer.from(signature, 'base64'),
    );
  } catch {
    valid = false;
  }
  return valid ? { ok: true, mspId } : { ok: false, reason: 'the signature does not match the request' };
}
