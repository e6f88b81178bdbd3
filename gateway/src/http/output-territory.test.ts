/* eslint-disable @typescript-eslint/no-unsafe-member-access -- response bodies are asserted as loose JSON */
import { json, startHarness } from '../testing/harness';
import { buildOpenApi } from './openapi';
import { allRoutes } from './routes';

test('when an output is registered with a territory, then the typed reader, the REST answer and the OpenAPI document all carry it', async () => {
  const h = await startHarness();
  try {
    await h.ledger.seed();
    await h.ledger.sealedModel('m-1', ['d-1']);
    await h.ledger.as('Studio1MSP').outputs.register({
      outputId: 'o-1',
      modelId: 'm-1',
      contentDigest: 'ab'.repeat(32),
      mediaType: 'image/png',
      rightsIds: [],
      territory: 'JP',
    });
    const record = await h.services.reader.outputs.get('o-1');
    const territory: string | undefined = record.territory;
    expect(territory).toBe('JP');
    expect((await json(await h.call('GET', '/v1/outputs/o-1', { role: 'auditor' }))).territory).toBe('JP');
    const doc = buildOpenApi(allRoutes().routes, { title: 'Kiseki', version: 'test' }) as {
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(doc.components.schemas.OutputRecord?.properties?.territory).toBeDefined();
  } finally {
    await h.close();
  }
}, 60_000);
