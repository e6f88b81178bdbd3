import { createHash, randomBytes } from 'node:crypto';
import * as Minio from 'minio';
import { gatewayConfigFor } from '../src/launch';
import { networkView, startTestGateway, type TestGateway } from './support/gateways';

/**
 * The vault's least privilege on the real network and MinIO: each org's gateway holds its own MinIO
 * user whose policy allows its own bucket only; buckets keep every version under object lock; and a
 * download is offered only for bytes that hash to the ledger digest, pinned to the version checked.
 */

const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A MinIO client acting as one org's gateway user (from the config the launcher derives). */
async function orgClient(mspId: string): Promise<{ client: Minio.Client; bucket: string; accessKey: string }> {
  const view = await networkView();
  const config = gatewayConfigFor(
    view,
    view.orgs.findIndex((o) => o.mspId === mspId),
  );
  const url = new URL(config.vault.endpoint);
  return {
    client: new Minio.Client({
      endPoint: url.hostname,
      port: Number(url.port),
      useSSL: false,
      accessKey: config.vault.accessKey,
      secretKey: config.vault.secretKey,
    }),
    bucket: config.vault.bucket,
    accessKey: config.vault.accessKey,
  };
}

const codeOf = async (action: () => Promise<unknown>): Promise<string> => {
  try {
    await action();
    return 'allowed';
  } catch (error) {
    return String((error as { code?: unknown }).code);
  }
};

describe('vault least privilege', () => {
  test("when one org's gateway user reads, lists, writes or deletes in another org's bucket, then MinIO refuses; its own bucket works", async () => {
    const studio1 = await orgClient('Studio1MSP');
    const studio2 = await orgClient('Studio2MSP');
    const view = (await networkView()) as unknown as { vault: { accessKey: string } };
    expect(studio1.accessKey).not.toBe(view.vault.accessKey);
    expect(studio1.bucket).not.toBe(studio2.bucket);

    const key = `it/isolation-${run}`;
    await studio2.client.putObject(studio2.bucket, key, Buffer.from('studio2 only'), 12, { 'X-Amz-Server-Side-Encryption': 'AES256' });
    // The honest path: each user reads what it wrote in its own bucket.
    const own = await studio2.client.getObject(studio2.bucket, key);
    const chunks: Buffer[] = [];
    for await (const chunk of own as AsyncIterable<Buffer>) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe('studio2 only');
    expect(await codeOf(() => studio1.client.statObject(studio1.bucket, 'health/none'))).toBe('NotFound');

    // The attack: Studio1's gateway credential against Studio2's bucket.
    expect(await codeOf(() => studio1.client.getObject(studio2.bucket, key))).toBe('AccessDenied');
    expect(await codeOf(() => studio1.client.statObject(studio2.bucket, key))).not.toBe('allowed');
    expect(
      await codeOf(async () => {
        const names: unknown[] = [];
        for await (const item of studio1.client.listObjectsV2(studio2.bucket, '', true)) names.push(item);
      }),
    ).toBe('AccessDenied');
    expect(await codeOf(() => studio1.client.putObject(studio2.bucket, `${key}-planted`, Buffer.from('x'), 1))).toBe('AccessDenied');
    expect(await codeOf(() => studio1.client.removeObject(studio2.bucket, key))).toBe('AccessDenied');
    expect(await codeOf(() => studio1.client.makeBucket(`kiseki-rogue-${run}`))).toBe('AccessDenied');
  });

  test('when an object is overwritten, then its first version stays, locked, and the gateway user cannot remove it', async () => {
    const studio1 = await orgClient('Studio1MSP');
    const key = `it/overwrite-${run}`;
    const first = await studio1.client.putObject(studio1.bucket, key, Buffer.from('first'), 5);
    await studio1.client.putObject(studio1.bucket, key, Buffer.from('second'), 6);
    expect(first.versionId).toBeTruthy();
    const versions: { name?: string; versionId?: string }[] = [];
    for await (const item of studio1.client.listObjects(studio1.bucket, key, true, { IncludeVersion: true }))
      versions.push(item as { name?: string; versionId?: string });
    expect(versions.filter((v) => v.name === key)).toHaveLength(2);
    const getLock = studio1.client.getObjectLockConfig.bind(studio1.client) as (bucket: string) => Promise<unknown>;
    const lock = await getLock(studio1.bucket);
    expect(lock).toMatchObject({ objectLockEnabled: 'Enabled', mode: 'GOVERNANCE' });
    // MinIO authorises a version delete as s3:DeleteObject: the retention (no bypass right) refuses it.
    expect(await codeOf(() => studio1.client.removeObject(studio1.bucket, key, { versionId: first.versionId as string }))).not.toBe(
      'allowed',
    );
    const still = await studio1.client.getObject(studio1.bucket, key, { versionId: first.versionId as string });
    const chunks: Buffer[] = [];
    for await (const chunk of still as AsyncIterable<Buffer>) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe('first');
  });
});

describe('downloads re-checked against the ledger digest', () => {
  let licensor: TestGateway;
  beforeAll(async () => {
    licensor = await startTestGateway('LicensorMSP');
  });
  afterAll(async () => {
    await licensor.stop();
  });

  test('when the stored legal text is replaced behind the gateway, then no download is offered (502 DIGEST_MISMATCH); before that the URL is pinned to the checked version', async () => {
    const termsId = `it-vault-terms-${run}`;
    const legalText = `terms of ${run}`;
    const created = await licensor.call('POST', '/v1/terms', {
      role: 'licensor-operator',
      body: {
        termsId,
        aiTraining: true,
        commercialUse: true,
        derivatives: true,
        attribution: true,
        territory: 'JP',
        validFrom: '2024-01-01T00:00:00Z',
        dataPoolShareBps: 2000,
        legalText,
      },
    });
    expect(created.status).toBe(201);

    const honest = await licensor.call('GET', `/v1/terms/${termsId}/legal-text`, { role: 'auditor' });
    expect(honest.status).toBe(200);
    const { url } = (await honest.json()) as { url: string };
    expect(new URL(url).searchParams.get('versionId')).toBeTruthy();
    const served = await fetch(url);
    expect(sha256(Buffer.from(await served.arrayBuffer()))).toBe(sha256(Buffer.from(legalText)));

    // Someone holding the org's vault credential replaces the object.
    const licensorVault = await orgClient('LicensorMSP');
    await licensorVault.client.putObject(licensorVault.bucket, `terms/${termsId}/legal-text`, Buffer.from('forged terms'), 12, {
      'X-Amz-Server-Side-Encryption': 'AES256',
    });
    const refused = await licensor.call('GET', `/v1/terms/${termsId}/legal-text`, { role: 'auditor' });
    expect(refused.status).toBe(502);
    const body = (await refused.json()) as { error: { code: string }; url?: string };
    expect(body.error.code).toBe('DIGEST_MISMATCH');
    expect(body.url).toBeUndefined();
    // The URL handed out before still serves the registered bytes: it names the checked version.
    expect(await (await fetch(url)).text()).toBe(legalText);
  });
});
