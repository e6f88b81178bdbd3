import { createHash } from 'node:crypto';

/** What the ledger benchmarks set up before they measure: open terms and a set of providers. */

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

interface Submitter {
  submitTransaction(name: string, ...args: string[]): Promise<Uint8Array>;
}

/** Publishes worldwide terms that allow training and commercial use, as the licensor. */
export async function publishOpenTerms(licensor: Submitter, termsId: string, dataPoolShareBps = 3000): Promise<void> {
  await licensor.submitTransaction(
    'terms:Publish',
    JSON.stringify({
      termsId,
      aiTraining: true,
      commercialUse: true,
      derivatives: true,
      attribution: true,
      territory: 'worldwide',
      validFrom: '2020-01-01T00:00:00Z',
      dataPoolShareBps,
      legalTextDigest: sha256('legal text'),
    }),
  );
}

/** Registers each provider, one transaction each, as the studio. */
export async function registerProviders(studio: Submitter, providerIds: readonly string[]): Promise<void> {
  for (const providerId of providerIds) {
    await studio.submitTransaction('providers:Register', JSON.stringify({ providerId, payoutRefDigest: sha256(providerId) }));
  }
}
