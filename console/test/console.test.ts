/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call -- response bodies are asserted as loose JSON */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Role } from '../../gateway/src/auth';
import { eventually, startTestGateway, type TestGateway } from '../../gateway/test/support/gateways';
import {
  buildConsole,
  launchBrowser,
  measureLoad,
  newContext,
  openSignedIn,
  screenshot,
  seriousViolations,
  type LoadFigures,
} from './support/browser';

/**
 * The web console in a real browser (Debian's Chromium) against the integration tier's network,
 * gateways and vault: what each kind of user does in it, what the ledger then says, and what a page
 * costs to load.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (res: Response): Promise<any> => res.json();
const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const id = (name: string): string => `cw-${name}-${run}`;

let browser: Browser;
let studio: TestGateway;
let licensor: TestGateway;
let regulator: TestGateway;
let context: BrowserContext | undefined;
const figures: LoadFigures[] = [];

const termsId = id('terms');
const providerId = id('illustrator');
const bulkProvider = id('bulk');
const [usedA, usedB] = [id('a-cel'), id('b-cel')].sort();
const unused = id('u-cel');
const modelId = id('model');
const outputId = id('output');
const rightsId = id('rights');
const transferId = id('transfer');
const pendingId = id('transfer-pending');
const bytes = {
  a: Buffer.from(`cel A ${run}`),
  b: Buffer.from(`cel B ${run}`),
  u: Buffer.from(`cel U ${run}`),
  output: Buffer.from(`frame ${run}`),
};
let trainingRoot = '';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function ok(res: Promise<Response>, status = 201): Promise<any> {
  const r = await res;
  const body = await json(r);
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(body)}`);
  return body;
}

async function page(gateway: TestGateway, role: Role | undefined, hash: string): Promise<Page> {
  context = await newContext(browser);
  return openSignedIn(context, gateway.url, role === undefined ? undefined : gateway.keys[role], hash);
}

beforeAll(async () => {
  buildConsole();
  [browser, licensor, regulator] = await Promise.all([launchBrowser(), startTestGateway('LicensorMSP'), startTestGateway('RegulatorMSP')]);
  // The studio collects the licensor's validation attestations for the evidence bundles it exports.
  studio = await startTestGateway('Studio1MSP', (c) => ({
    ...c,
    publicVerification: { ...c.publicVerification, attestors: [licensor.url] },
  }));
  const s = { role: 'studio-operator' as const };
  await ok(
    licensor.call('POST', '/v1/terms', {
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
        legalText: `console terms ${run}`,
      },
    }),
  );
  for (const p of [providerId, bulkProvider])
    await ok(studio.call('POST', '/v1/providers', { ...s, body: { providerId: p, payoutRef: `ref-${p}` } }));
  for (const [dataId, b] of [
    [usedA, bytes.a],
    [usedB, bytes.b],
    [unused, bytes.u],
  ] as const) {
    await ok(
      studio.call('POST', `/v1/data?dataId=${dataId}&providerId=${providerId}&termsId=${termsId}`, {
        ...s,
        raw: b,
        headers: { 'content-type': 'image/png' },
      }),
    );
  }
  await ok(studio.call('POST', '/v1/models', { ...s, body: { modelId } }));
  await ok(studio.call('POST', `/v1/models/${modelId}/training-batches`, { ...s, body: { dataIds: [usedA, usedB] } }), 200);
  trainingRoot = (await ok(studio.call('POST', `/v1/models/${modelId}/seal`, s), 200)).record.trainingRoot;
  await ok(
    studio.call('POST', `/v1/outputs?outputId=${outputId}&modelId=${modelId}`, {
      ...s,
      raw: bytes.output,
      headers: { 'content-type': 'image/png' },
    }),
  );
  const from = id('holder-s1');
  await ok(
    studio.call('POST', '/v1/rights', {
      ...s,
      body: {
        rightsId,
        subjectType: 'output',
        subjectId: outputId,
        licensorMsp: 'LicensorMSP',
        holders: [
          { holderId: from, mspId: 'Studio1MSP', shareBps: 8000 },
          { holderId: id('holder-l'), mspId: 'LicensorMSP', shareBps: 2000 },
        ],
      },
    }),
  );
  for (const [tid, share] of [
    [transferId, 500],
    [pendingId, 100],
  ] as const) {
    await ok(
      studio.call('POST', '/v1/transfers', {
        ...s,
        body: {
          transferId: tid,
          rightsId,
          fromHolderId: from,
          toHolderId: id('holder-s2'),
          toMspId: 'Studio2MSP',
          shareBps: share,
          condition: { approvals: ['LicensorMSP'] },
        },
      }),
    );
  }
  await ok(
    studio.call('POST', '/v1/revenue', {
      ...s,
      body: { subjectType: 'output', subjectId: outputId, amount: '10000', currency: 'JPY', reference: id('sale') },
    }),
  );
  // The other orgs' peers commit the same blocks a moment later.
  await eventually(async () => (await regulator.call('GET', `/v1/transfers/${pendingId}`, { role: 'regulator' })).status === 200);
  await eventually(async () => (await licensor.call('GET', `/v1/transfers/${transferId}`, { role: 'licensor-operator' })).status === 200);
}, 300_000);

afterEach(async () => {
  await context?.close();
  context = undefined;
});

afterAll(async () => {
  await browser.close();
  await Promise.all([studio, licensor, regulator].map((g) => g.stop()));
  if (figures.length > 0) {
    const lines = figures.map(
      (f) =>
        `  ${f.page.padEnd(10)} ${String(f.transferredKiB).padStart(7)} KiB  ${String(f.requests).padStart(3)} requests  DOMContentLoaded ${String(f.domContentLoadedMs).padStart(4)} ms  interactive ${String(f.interactiveMs).padStart(4)} ms`,
    );
    process.stdout.write(`\nconsole page weight and time to interactive (cold load, loopback gateway):\n${lines.join('\n')}\n`);
  }
});

describe('the web console in Chromium', () => {
  test('when a visitor has no key, then only public facts show; a wrong key is told so clearly', async () => {
    const p = await page(studio, undefined, '#/home');
    const nav = await p.locator('header nav a').allTextContents();
    expect(nav).toEqual(['Home', 'Was my work used?']);
    await p.waitForSelector('.page-home dl.fields');
    expect(await p.locator('.page-home').textContent()).toContain('ready');
    await screenshot(p, 'home');
    await p.goto(`${studio.url}/#/studio`);
    await p.waitForSelector('body[data-ready="true"]');
    expect(await p.locator('.page-home').count()).toBe(1);
    await p.fill('#apikey', 'ksk_not-a-real-key');
    await p.click('form.signin button[type="submit"]');
    await p.waitForSelector('#signin-msg.bad');
    expect(await p.locator('#signin-msg').textContent()).toBe('This API key was not accepted by the gateway. Check it and try again.');
    expect(await p.evaluate(() => sessionStorage.getItem('kiseki.apiKey'))).toBeNull();
    await screenshot(p, 'wrong-key');
  });

  test('when a creator drops a file that trained a sealed model and one that did not, then both proofs verify in the browser', async () => {
    const p = await page(studio, 'provider-agent', '#/creator');
    await p.setInputFiles('#creator-files', [
      { name: 'used.png', mimeType: 'image/png', buffer: bytes.a },
      { name: 'not-used.png', mimeType: 'image/png', buffer: bytes.u },
      { name: 'never-registered.png', mimeType: 'image/png', buffer: Buffer.from(`stranger ${run}`) },
    ]);
    await p.fill('#check-models', modelId);
    await p.click('#creator-check');
    await p.waitForSelector('#creator-results[data-done="true"]', { timeout: 60_000 });
    const used = p.locator(`[data-file="used.png"] [data-model="${modelId}"]`);
    expect(await used.getAttribute('data-verdict')).toBe('used');
    expect(await used.textContent()).toContain(`Used to train model ${modelId}. Proof verified in your browser`);
    const notUsed = p.locator(`[data-file="not-used.png"] [data-model="${modelId}"]`);
    expect(await notUsed.getAttribute('data-verdict')).toBe('not-used');
    expect(await notUsed.textContent()).toContain(`Not used in model ${modelId}. Exclusion proof verified`);
    expect(await p.locator('[data-file="never-registered.png"] [data-verdict]').getAttribute('data-verdict')).toBe('unregistered');
    await screenshot(p, 'creator');
  });

  test('when a provider agent opens a statement, then it shows earnings per model, claims, and revokes consent after confirming', async () => {
    const p = await page(studio, 'provider-agent', `#/statement?provider=${providerId}`);
    await p.waitForSelector('#statement-out table');
    const row = p.locator('#statement-out table').first().locator('tbody tr').first();
    expect(await row.locator('td').first().textContent()).toBe(modelId);
    // 20% of 10000 into the pool, both training items are this provider's.
    expect(await row.locator('td').nth(2).textContent()).toBe('2000');
    await p.waitForSelector('figure.chart canvas');
    await p.waitForSelector('#earnings-time figure.chart canvas');
    await screenshot(p, 'statement');
    await p.click('#claim');
    await p.waitForSelector('#statement-out .msg.good');
    await p.getByRole('button', { name: `Revoke consent for ${unused}` }).click();
    await p.getByRole('button', { name: 'Confirm' }).click();
    await p.waitForSelector('#statement-out .msg.good >> nth=1');
    const record = await json(await studio.call('GET', `/v1/data/${unused}`, { role: 'auditor' }));
    expect(record.status).toBe('consent-revoked');
  });

  test('when a licensor approves a pending transfer in the page and executes it, then the ledger shows it executed', async () => {
    const p = await page(licensor, 'licensor-operator', '#/licensor');
    await p.click('#scan');
    await p.locator('#pending a', { hasText: transferId }).click();
    await p.waitForSelector('#transfer-status[data-status="pending"]');
    await screenshot(p, 'licensor');
    await p.click('#approve');
    await p.waitForSelector('#transfer-out .msg.good');
    await eventually(async () => {
      await p.reload();
      await p.waitForSelector('#transfer-status');
      return (
        (await p.locator('#transfer-status').getAttribute('data-status')) === 'pending' &&
        (await p.locator('#approve').count()) === 0 &&
        (await p.locator('#execute').count()) === 1
      );
    });
    await p.click('#execute');
    await p.waitForSelector('#transfer-out .msg.good');
    await eventually(
      async () => (await json(await regulator.call('GET', `/v1/transfers/${transferId}`, { role: 'regulator' }))).status === 'executed',
    );
    const rights = await json(await regulator.call('GET', `/v1/rights/${rightsId}`, { role: 'regulator' }));
    expect(rights.holders).toContainEqual({ holderId: id('holder-s2'), mspId: 'Studio2MSP', shareBps: 500 });
  });

  test("when a regulator opens an output, then it follows the lineage to the training root and a data item's history", async () => {
    const p = await page(regulator, 'regulator', `#/lineage?output=${outputId}`);
    await p.waitForSelector('#lineage-verdict');
    expect(await p.locator('#lineage-verdict').getAttribute('data-verdict')).toBe('authorized');
    const card = p.locator(`.model-card[data-model="${modelId}"]`);
    expect(await card.textContent()).toContain(trainingRoot);
    await card.locator('button.training').click();
    await card.locator('.training-ids a').first().waitFor();
    expect(await card.locator('.training-ids a').allTextContents()).toEqual([usedA, usedB]);
    await screenshot(p, 'lineage');
    await card.locator('.training-ids a').first().click();
    await p.waitForSelector('#ex-history tbody tr');
    expect(await p.locator('#ex-found').textContent()).toContain(usedA);
    expect(await p.locator('#ex-history tbody tr').count()).toBeGreaterThanOrEqual(1);
    await screenshot(p, 'explorer');
  });

  test('when a regulator browses, then it sees no write button, and a write forged from its page is refused', async () => {
    const p = await page(regulator, 'regulator', `#/licensor?transfer=${pendingId}`);
    await p.waitForSelector('#transfer-status[data-status="pending"]');
    for (const hash of [`#/licensor?transfer=${pendingId}`, `#/statement?provider=${providerId}`, `#/studio?model=${modelId}`]) {
      await p.goto(`${regulator.url}/${hash}`);
      await p.waitForSelector('body[data-ready="true"]');
      await p.waitForLoadState('networkidle');
      expect(await p.locator('#approve, #execute, #claim, #seal, #up-start, button.danger, #rv-type').count()).toBe(0);
    }
    const forged = await p.evaluate(
      async (body) => {
        const res = await fetch('/v1/models', {
          method: 'POST',
          headers: { authorization: `Bearer ${sessionStorage.getItem('kiseki.apiKey') ?? ''}`, 'content-type': 'application/json' },
          body,
        });
        return { status: res.status, body: (await res.json()) as { error: { code: string } } };
      },
      JSON.stringify({ modelId: id('forged') }),
    );
    expect(forged).toEqual({ status: 403, body: { error: expect.objectContaining({ code: 'FORBIDDEN' }) } });
    expect((await studio.call('GET', `/v1/models/${id('forged')}`, { role: 'auditor' })).status).toBe(404);
  });

  test('when a studio uploads a folder of 50 files, then all 50 are registered', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'kiseki-console-folder-'));
    const dir = join(folder, 'cels');
    mkdirSync(dir);
    for (let i = 0; i < 50; i += 1)
      writeFileSync(join(dir, `cel-${String(i).padStart(3, '0')}.png`), `cel ${i} ${run} ${randomBytes(8).toString('hex')}`);
    const p = await page(studio, 'studio-operator', '#/studio');
    await p.fill('#up-provider', bulkProvider);
    await p.fill('#up-terms', termsId);
    await p.fill('#up-prefix', `${id('bulk')}-`);
    await p.setInputFiles('#up-folder', dir);
    expect(await p.locator('#up-list li').count()).toBe(50);
    await p.click('#up-start');
    await p.waitForSelector('#up-text[data-done="50"]', { timeout: 240_000 });
    expect(await p.locator('#up-text').getAttribute('data-failed')).toBe('0');
    await screenshot(p, 'studio');
    const page1 = await json(await studio.call('GET', `/v1/data?providerId=${bulkProvider}&limit=100`, { role: 'auditor' }));
    expect(page1.items).toHaveLength(50);
    expect(page1.items.every((d: { status: string }) => d.status === 'active')).toBe(true);
  }, 300_000);

  test('when a regulator browses blocks, then each shows its number, hash and transactions with function and validation code, linked by hash', async () => {
    const p = await page(regulator, 'regulator', '#/blocks');
    await p.waitForSelector('.block-card');
    expect(await p.locator('#blocks-height').textContent()).toMatch(/Chain height: \d+ blocks/);
    const cards = p.locator('.block-card');
    expect(await cards.count()).toBe(8);
    const first = cards.first();
    expect(Number(await first.locator('.tx-count').textContent())).toBe(await first.locator('tbody tr').count());
    const functions = await p.locator('.block-card tbody tr td:nth-child(3)').allTextContents();
    expect(functions.some((f) => /^[a-z]+:[A-Z][A-Za-z]+$/.test(f))).toBe(true);
    expect(await p.locator('.block-card tbody tr td:nth-child(5)').allTextContents()).toContain('VALID');
    // Each block names the hash of the one before it.
    const hashes: (string | null)[] = [];
    const previous: (string | null)[] = [];
    for (let i = 0; i < 8; i += 1) {
      hashes.push(await cards.nth(i).locator('dd.hash').getAttribute('title'));
      previous.push(await cards.nth(i).locator('dd').nth(1).getAttribute('title'));
    }
    for (let i = 0; i + 1 < hashes.length; i += 1) expect(previous[i]).toBe(hashes[i + 1]);
    await screenshot(p, 'blocks');
    await p.click('#blocks-more');
    await p.locator('.block-card').nth(15).waitFor();
    const api = await json(await regulator.call('GET', '/v1/blocks/0', { role: 'regulator' }));
    expect(api.transactions[0]).toMatchObject({ type: 'CONFIG', validationCode: 'VALID' });
    expect((await regulator.call('GET', '/v1/blocks/99999999', { role: 'regulator' })).status).toBe(404);
    expect((await regulator.call('GET', '/v1/blocks')).status).toBe(401);
  });

  test("when a regulator opens the audit reports, then it lists a record type, opens a record's history, sees the reports as tables and charts at their index height, and exports CSV", async () => {
    const filter = `providerId:${providerId}`;
    // The index follows the peer's blocks a moment later.
    await eventually(async () => {
      const res = await regulator.call('GET', `/v1/audit/records/data?filter=${encodeURIComponent(filter)}`, { role: 'regulator' });
      return res.status === 200 && (await json(res)).items.length === 3;
    }, 180_000);
    context = await newContext(browser, { bypassCSP: true });
    const p = await openSignedIn(
      context,
      regulator.url,
      regulator.keys.regulator,
      `#/reports?type=data&filter=${encodeURIComponent(filter)}`,
    );
    expect(await p.locator('header nav a').allTextContents()).toContain('Audit reports');
    await p.waitForSelector('#rp-list tbody tr');
    expect(await p.locator('#rp-list tbody tr').count()).toBe(3);
    expect(await p.locator('#rp-list-height').textContent()).toMatch(/^Index height: \d+ blocks$/);
    expect(await p.locator('#rp-list tbody').textContent()).toContain(usedA);
    expect(await p.locator('#rp-more').isVisible()).toBe(false);
    await p.locator('#rp-list a.history-link', { hasText: unused }).click();
    await p.waitForSelector('#rp-history tbody tr');
    expect(await p.locator('#rp-history h3').textContent()).toBe(`History of data ${unused}`);
    expect(await p.locator('#rp-history-height').textContent()).toMatch(/^Index height: \d+ blocks$/);
    // Registered, then its consent revoked on the statement page.
    expect(await p.locator('#rp-history tbody tr').count()).toBeGreaterThanOrEqual(2);
    await p.waitForSelector('#rp-revenue-over-time figure.chart canvas');
    await p.waitForSelector('#rp-status-changes figure.chart canvas');
    await p.waitForSelector('#rp-items-per-terms-provider table tbody tr');
    expect(await p.locator('#rp-items-per-terms-provider tbody').textContent()).toContain(providerId);
    expect(await p.locator('#rp-revenue-over-time-height').textContent()).toMatch(/^Index height: \d+ blocks$/);
    await p.waitForSelector('#rp-analytics section[aria-busy="false"] >> nth=6');
    const csv = await p.evaluate(
      async (href) => {
        const res = await fetch(href, { headers: { authorization: `Bearer ${sessionStorage.getItem('kiseki.apiKey') ?? ''}` } });
        return { type: res.headers.get('content-type'), height: res.headers.get('kiseki-index-height'), body: await res.text() };
      },
      (await p.locator('#rp-csv').getAttribute('href')) ?? '',
    );
    expect(csv.type).toMatch(/^text\/csv/);
    expect(csv.height).toMatch(/^\d+$/);
    expect(csv.body).toContain(usedA);
    const [download] = await Promise.all([p.waitForEvent('download'), p.click('#rp-revenue-over-time-csv')]);
    expect(download.suggestedFilename()).toBe('revenue-over-time.csv');
    expect(readFileSync(await download.path(), 'utf8')).toContain(outputId);
    await screenshot(p, 'audit-reports');
    // Without a filter there is more than one page: "More records" follows the cursor.
    await p.goto(`${regulator.url}/#/reports?type=data`);
    await p.locator('#rp-list tbody tr').nth(24).waitFor();
    expect(await p.locator('#rp-list tbody tr').count()).toBe(25);
    await p.click('#rp-more');
    await p.locator('#rp-list tbody tr').nth(25).waitFor();
    expect(await seriousViolations(p)).toEqual([]);
    await p.click('button.lang');
    expect(await p.locator('h1').textContent()).toBe('監査レポート');
    await p.click('button.lang');
    const agent = await openSignedIn(context, studio.url, studio.keys['provider-agent'], '#/reports');
    expect(await agent.locator('header nav a').allTextContents()).not.toContain('Audit reports');
    expect(await agent.locator('.page-reports').count()).toBe(0);
  });

  test('when the licensor amends its terms and then withdraws them after confirming, then the ledger shows version 2 withdrawn; a studio sees no such buttons', async () => {
    const amended = id('terms-amended');
    await ok(
      licensor.call('POST', '/v1/terms', {
        role: 'licensor-operator',
        body: {
          termsId: amended,
          aiTraining: true,
          commercialUse: true,
          derivatives: true,
          attribution: true,
          territory: 'JP',
          validFrom: '2024-01-01T00:00:00Z',
          dataPoolShareBps: 2000,
          legalText: `amendable ${run}`,
        },
      }),
    );
    const p = await page(licensor, 'licensor-operator', `#/licensor?terms=${amended}`);
    await p.waitForSelector('#terms-status[data-version="1"]');
    await p.fill('#am-pool', '2500');
    await p.fill('#am-legal', `amended text ${run}`);
    await p.click('#amend');
    await p.waitForSelector('#terms-status[data-version="2"]', { timeout: 60_000 });
    await screenshot(p, 'licensor-terms');
    await p.locator('.withdraw button.danger').click();
    await p.fill('#withdraw-reason', 'replaced by new terms');
    await p.locator('.withdraw .confirm-box button.danger').click();
    await p.waitForSelector('#terms-status[data-status="withdrawn"]', { timeout: 60_000 });
    const now = await json(await licensor.call('GET', `/v1/terms/${amended}`, { role: 'licensor-operator' }));
    expect(now).toMatchObject({ status: 'withdrawn', version: 2, dataPoolShareBps: 2500, withdrawnReason: 'replaced by new terms' });
    const v1 = await json(await licensor.call('GET', `/v1/terms/${amended}/versions/1`, { role: 'licensor-operator' }));
    expect(v1.dataPoolShareBps).toBe(2000);
    expect(await p.locator('#amend, .withdraw').count()).toBe(0);
    const s = await page(studio, 'studio-operator', `#/licensor?terms=${termsId}`);
    await s.waitForSelector('#terms-status');
    expect(await s.locator('#amend, .withdraw').count()).toBe(0);
    const forged = await studio.call('POST', `/v1/terms/${termsId}/withdraw`, { role: 'studio-operator', body: { reason: 'not mine' } });
    expect(forged.status).toBe(403);
  });

  test("when an output's page offers its evidence bundle, then it downloads as the bundle kiseki-verify reads", async () => {
    const p = await page(studio, 'auditor', `#/lineage?output=${outputId}`);
    await p.waitForSelector('#evidence-download');
    const [download] = await Promise.all([p.waitForEvent('download'), p.click('#evidence-download')]);
    expect(download.suggestedFilename()).toBe(`evidence-${outputId}.json`);
    const path = await download.path();
    const bundle = JSON.parse(readFileSync(path, 'utf8'));
    expect(bundle).toMatchObject({ format: 'kiseki-evidence/1', claim: { kind: 'output', outputId, modelId } });
    await screenshot(p, 'evidence');
  });

  test('when axe-core checks every page, then it reports no serious or critical violation', async () => {
    context = await newContext(browser, { bypassCSP: true });
    const found: Record<string, unknown> = {};
    const pages: [TestGateway, Role | undefined, string][] = [
      [studio, undefined, '#/home'],
      [studio, 'provider-agent', '#/creator'],
      [studio, 'studio-operator', `#/statement?provider=${providerId}`],
      [regulator, 'regulator', `#/lineage?output=${outputId}`],
      [regulator, 'regulator', `#/explorer?type=data&id=${usedA}`],
      [licensor, 'licensor-operator', `#/licensor?transfer=${pendingId}`],
      [studio, 'studio-operator', `#/studio?model=${modelId}`],
      [regulator, 'regulator', '#/blocks'],
      [licensor, 'licensor-operator', `#/licensor?terms=${termsId}`],
    ];
    for (const [gateway, role, hash] of pages) {
      const p = await openSignedIn(context, gateway.url, role === undefined ? undefined : gateway.keys[role], hash);
      await p.waitForLoadState('networkidle');
      const violations = await seriousViolations(p);
      if (violations.length > 0) found[hash] = violations;
      await p.close();
    }
    const ja = await openSignedIn(context, studio.url, studio.keys['provider-agent'], '#/creator');
    await ja.click('button.lang');
    expect(
      await ja.evaluate(() => (globalThis as unknown as { document: { documentElement: { lang: string } } }).document.documentElement.lang),
    ).toBe('ja');
    expect(await ja.locator('h1').textContent()).toBe('作品は使われた？');
    await screenshot(ja, 'creator-ja');
    expect(found).toEqual({});
    expect(await seriousViolations(ja)).toEqual([]);
  });

  test('when the main pages load cold, then their weight and time to interactive are measured', async () => {
    figures.push(await measureLoad(browser, studio.url, undefined, '#/home', 'home'));
    figures.push(await measureLoad(browser, studio.url, studio.keys['provider-agent'], '#/creator', 'creator'));
    figures.push(await measureLoad(browser, studio.url, studio.keys['provider-agent'], `#/statement?provider=${providerId}`, 'statement'));
    figures.push(await measureLoad(browser, regulator.url, regulator.keys.regulator, `#/lineage?output=${outputId}`, 'lineage'));
    figures.push(await measureLoad(browser, regulator.url, regulator.keys.regulator, '#/explorer', 'explorer'));
    figures.push(
      await measureLoad(browser, licensor.url, licensor.keys['licensor-operator'], `#/licensor?transfer=${pendingId}`, 'licensor'),
    );
    figures.push(await measureLoad(browser, studio.url, studio.keys['studio-operator'], `#/studio?model=${modelId}`, 'studio'));
    figures.push(await measureLoad(browser, regulator.url, regulator.keys.regulator, '#/blocks', 'blocks'));
    for (const f of figures) {
      expect(f.transferredKiB).toBeGreaterThan(0);
      expect(f.interactiveMs).toBeGreaterThan(0);
    }
  });
});
