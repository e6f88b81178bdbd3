import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { dirname, join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { issueGatewayTls, type NetworkView } from '../src/launch';
import { fetchTrustingFiles } from '../src/tls/trust';
import { networkView, startTestGateway, type TestGateway } from './support/gateways';

/**
 * HTTPS on the real network: the gateway's certificate is issued by its org's TLS CA (the one that
 * issued its peer's), its chain verifies against that CA and the host names it is reached at, and
 * another org's CA does not vouch for it. Mutual TLS: with client CAs configured, a client without a
 * certificate, or with one from another org's CA, is refused in the handshake; a certificate from a
 * configured CA gets through (and still needs an API key).
 */

interface Answer {
  status: number;
  body: string;
  authorized: boolean;
  issuer: string;
  subjectAltName: string;
}

/** One GET over a fresh TLS connection (no pooling, so every call is its own handshake). */
function get(
  url: string,
  options: { ca: string[]; cert?: string; key?: string; servername?: string; headers?: Record<string, string> },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        agent: false,
        ca: options.ca,
        ...(options.cert === undefined ? {} : { cert: options.cert, key: options.key }),
        ...(options.servername === undefined ? {} : { servername: options.servername }),
        headers: options.headers ?? {},
      },
      (res) => {
        const socket = res.socket;
        if (!(socket instanceof TLSSocket)) {
          reject(new Error('not a TLS connection'));
          return;
        }
        const peer = socket.getPeerCertificate();
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            authorized: socket.authorized,
            issuer: String(peer.issuer.CN ?? ''),
            subjectAltName: peer.subjectaltname ?? '',
          });
        });
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.end();
  });
}

/** The error code of a request expected to fail (`accepted` when it did not). */
async function refusal(answer: Promise<Answer>): Promise<string> {
  return await answer.then(
    (a) => `accepted ${String(a.status)}`,
    (error: unknown) => String((error as { code?: unknown }).code ?? (error instanceof Error ? error.message : error)),
  );
}

/** The TLS client certificate cryptogen issued to an org's user (`users/User1@…/tls/client.crt`). */
function userTls(view: NetworkView, mspId: string): { cert: string; key: string } {
  const org = view.orgs.find((o) => o.mspId === mspId);
  if (org === undefined) throw new Error(`no org ${mspId}`);
  const tlsDir = join(dirname(dirname(dirname(org.userCertPath))), 'tls');
  return { cert: readFileSync(join(tlsDir, 'client.crt'), 'utf8'), key: readFileSync(join(tlsDir, 'client.key'), 'utf8') };
}

const caOf = (view: NetworkView, mspId: string): string => {
  const org = view.orgs.find((o) => o.mspId === mspId);
  if (org === undefined) throw new Error(`no org ${mspId}`);
  return readFileSync(org.tlsCACertPath, 'utf8');
};

describe('the gateway over HTTPS, with its org TLS CA', () => {
  let view: NetworkView;
  let studioCa: string;
  let licensorCa: string;
  const started: TestGateway[] = [];

  /** A Studio1MSP gateway serving HTTPS with the launcher's certificate, on loopback. */
  async function httpsGateway(clientCAPaths: string[] = []): Promise<TestGateway> {
    const index = view.orgs.findIndex((o) => o.mspId === 'Studio1MSP');
    const tls = await issueGatewayTls(view, index);
    const gateway = await startTestGateway('Studio1MSP', (c) => {
      const https = { ...c, tls: { certPath: tls.certPath, keyPath: tls.keyPath, clientCAPaths } };
      delete https.plainHttp;
      return https;
    });
    started.push(gateway);
    return gateway;
  }

  beforeAll(async () => {
    view = await networkView();
    studioCa = caOf(view, 'Studio1MSP');
    licensorCa = caOf(view, 'LicensorMSP');
  });

  afterAll(async () => {
    await Promise.all(started.map((g) => g.stop()));
  });

  test('when a client trusts the org TLS CA, then the chain verifies, the host name matches, and the API answers', async () => {
    const gateway = await httpsGateway();
    expect(gateway.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const health = await get(`${gateway.url}/healthz`, { ca: [studioCa] });
    expect(health).toMatchObject({ status: 200, authorized: true });
    expect(health.issuer).toMatch(/^tlsca\./);
    expect(health.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(health.subjectAltName).toContain('DNS:localhost');
    // Reached by name: the same certificate names `localhost`.
    const byName = await get(`${gateway.url.replace('127.0.0.1', 'localhost')}/healthz`, { ca: [studioCa] });
    expect(byName.status).toBe(200);
    // The API over HTTPS, with its API key, through the fetch the clients use.
    const trusted = fetchTrustingFiles([view.orgs.find((o) => o.mspId === 'Studio1MSP')?.tlsCACertPath ?? '']);
    const missing = await trusted(`${gateway.url}/v1/providers/tls-no-such-provider`, {
      headers: { authorization: `Bearer ${gateway.keys.auditor}` },
    });
    expect(missing.status).toBe(404);
    const unauthenticated = await trusted(`${gateway.url}/v1/providers/tls-no-such-provider`);
    expect(unauthenticated.status).toBe(401);
  });

  test('when a client trusts only another org CA, or checks a name the certificate lacks, then it refuses the gateway', async () => {
    const gateway = await httpsGateway();
    expect(await refusal(get(`${gateway.url}/healthz`, { ca: [licensorCa] }))).toMatch(
      /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED/,
    );
    expect(await refusal(get(`${gateway.url}/healthz`, { ca: [studioCa], servername: 'gateway.example.org' }))).toBe(
      'ERR_TLS_CERT_ALTNAME_INVALID',
    );
    // Plain HTTP to the HTTPS port gets no API answer.
    const plain = await fetch(gateway.url.replace('https:', 'http:') + '/healthz').then(
      (res) => res.status,
      () => 'refused',
    );
    expect(plain).not.toBe(200);
  });

  test('when mutual TLS trusts the org CA, then a client without a certificate or with another org certificate is refused, and one from the org CA gets in', async () => {
    const studio = view.orgs.find((o) => o.mspId === 'Studio1MSP');
    const gateway = await httpsGateway([studio?.tlsCACertPath ?? '']);
    // No client certificate: the server ends the handshake with a TLS alert; no HTTP is exchanged.
    expect(await refusal(get(`${gateway.url}/healthz`, { ca: [studioCa] }))).toMatch(/CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE|ECONNRESET/);
    // A certificate from another org's CA: refused as well ("unknown ca").
    const licensorUser = userTls(view, 'LicensorMSP');
    expect(await refusal(get(`${gateway.url}/healthz`, { ca: [studioCa], ...licensorUser }))).toMatch(/UNKNOWN_CA|ECONNRESET/);
    // The org's own client certificate: in, and the API key is still required.
    const studioUser = userTls(view, 'Studio1MSP');
    expect((await get(`${gateway.url}/healthz`, { ca: [studioCa], ...studioUser })).status).toBe(200);
    expect((await get(`${gateway.url}/v1/providers/tls-no-such-provider`, { ca: [studioCa], ...studioUser })).status).toBe(401);
    const withKey = await get(`${gateway.url}/v1/providers/tls-no-such-provider`, {
      ca: [studioCa],
      ...studioUser,
      headers: { authorization: `Bearer ${gateway.keys.auditor}` },
    });
    expect(withKey.status).toBe(404);
  });

  test("when mutual TLS also trusts another org's CA, then that org's certificate is accepted, as its gateway's is for content exchange", async () => {
    const [studio, licensor] = ['Studio1MSP', 'LicensorMSP'].map((m) => view.orgs.find((o) => o.mspId === m));
    const gateway = await httpsGateway([studio?.tlsCACertPath ?? '', licensor?.tlsCACertPath ?? '']);
    expect((await get(`${gateway.url}/healthz`, { ca: [studioCa], ...userTls(view, 'LicensorMSP') })).status).toBe(200);
    // The Licensor gateway's own certificate (what its exchange client presents) is accepted too.
    const licensorIndex = view.orgs.findIndex((o) => o.mspId === 'LicensorMSP');
    const licensorTls = await issueGatewayTls(view, licensorIndex);
    const asGateway = await get(`${gateway.url}/healthz`, {
      ca: [studioCa],
      cert: readFileSync(licensorTls.certPath, 'utf8'),
      key: readFileSync(licensorTls.keyPath, 'utf8'),
    });
    expect(asGateway.status).toBe(200);
  });
});
