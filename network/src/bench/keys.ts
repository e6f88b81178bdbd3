import { OrgClient } from '../client';
import { describePhases, meanPhases, PhaseTimes, submitPhased } from './phases';
import { registrationGrowth } from './provenance';
import { publishOpenTerms, registerProviders, sha256 } from './seed';
import { BenchContext, BenchReport, BenchSuite } from './suite';

const BATCH = 1000;
const IN_FLIGHT = 4;

interface Layout {
  readonly name: 'list keys' | 'lean';
  /** `data:RegisterBatch`'s `listKeys`: the three list-only markers per item of the earlier layout. */
  readonly listKeys: boolean;
}
const LISTED: Layout = { name: 'list keys', listKeys: true };
const LEAN: Layout = { name: 'lean', listKeys: false };

interface Registrar {
  /** Registers `count` batches of fresh items, `IN_FLIGHT` at a time; returns when each committed. */
  run(count: number, layout: Layout): Promise<{ committedAt: number[]; phases: PhaseTimes[]; start: number }>;
}

function registrar(studio: OrgClient, tag: string, termsId: string, providers: readonly string[]): Registrar {
  let nextItem = 0;
  return {
    async run(count, layout) {
      const committedAt: number[] = [];
      const phases: PhaseTimes[] = [];
      let next = 0;
      const start = performance.now();
      const worker = async (): Promise<void> => {
        while (next < count) {
          next += 1;
          const first = nextItem;
          nextItem += BATCH;
          const items = Array.from({ length: BATCH }, (_, k) => {
            const dataId = `${tag}-d${String(first + k).padStart(8, '0')}`;
            return {
              dataId,
              providerId: providers[k % providers.length],
              termsId,
              contentDigest: sha256(dataId),
              mediaType: 'image/png',
              size: 4096,
            };
          });
          const request = JSON.stringify(layout.listKeys ? { items, listKeys: true } : { items });
          // On an overloaded machine a deadline can pass while the transaction still commits: retry once,
          // and take a CONFLICT on the retry as the first attempt's commit (the batch is then untimed).
          const result = await submitPhased(studio.contract, 'data:RegisterBatch', request).catch(async (error: unknown) => {
            if (!/DEADLINE_EXCEEDED|UNAVAILABLE/.test(String(error))) throw error;
            return submitPhased(studio.contract, 'data:RegisterBatch', request).catch((retry: unknown) => {
              if (/CONFLICT/.test(String(retry)) || /CONFLICT/.test(JSON.stringify(retry, Object.getOwnPropertyNames(retry))))
                return undefined;
              throw retry;
            });
          });
          if (result !== undefined) phases.push(result.phases);
          committedAt.push(performance.now());
        }
      };
      await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, count) }, worker));
      return { committedAt, phases, start };
    },
  };
}

/**
 * Registration cost of the two key layouts, and its growth with the ledger. First `data:RegisterBatch`
 * with the earlier layout (record, digest key and three list-only markers per item) and with the lean
 * one (record and digest key) in alternating rounds, so both see the same machine load and ledger
 * size; then lean registration alone up to 100,000 × scale items, its rate per 100,000 (per fifth of a
 * smaller run) in commit order.
 */
export const suite: BenchSuite = {
  name: 'keys',
  description: 'data:RegisterBatch with and without the list-only keys; registration as the ledger grows',
  async run(ctx: BenchContext): Promise<BenchReport> {
    const studio = ctx.client('Studio1MSP');
    const licensor = ctx.client('LicensorMSP');
    const termsId = `${ctx.tag}-terms`;
    const providers = Array.from({ length: 10 }, (_, i) => `${ctx.tag}-prov-${i}`);
    await publishOpenTerms(licensor.contract, termsId);
    await registerProviders(studio.contract, providers);
    const register = registrar(studio, ctx.tag, termsId, providers);

    // Alternating rounds (order swapped every round), so drift in machine load or ledger size is shared.
    const rounds = 6;
    const perRound = Math.max(IN_FLIGHT, Math.round(8 * Math.min(1, ctx.scale)));
    const totals = new Map<Layout['name'], { seconds: number; batches: number; phases: PhaseTimes[] }>([
      [LISTED.name, { seconds: 0, batches: 0, phases: [] }],
      [LEAN.name, { seconds: 0, batches: 0, phases: [] }],
    ]);
    for (let round = 0; round < rounds; round++) {
      for (const layout of round % 2 === 0 ? [LISTED, LEAN] : [LEAN, LISTED]) {
        const { committedAt, phases, start } = await register.run(perRound, layout);
        const total = totals.get(layout.name);
        if (total === undefined) throw new Error(`no totals for ${layout.name}`);
        total.seconds += (Math.max(...committedAt) - start) / 1000;
        total.batches += committedAt.length;
        total.phases.push(...phases);
      }
    }
    const rate = (name: Layout['name']): number => {
      const total = totals.get(name);
      return total === undefined ? Number.NaN : (total.batches * BATCH) / total.seconds;
    };
    const listedRate = rate(LISTED.name);
    const leanRate = rate(LEAN.name);
    const speedup = leanRate / listedRate;

    const growthItems = Math.max(5 * BATCH, Math.round(100_000 * ctx.scale));
    const grown = await register.run(Math.ceil(growthItems / BATCH), LEAN);
    const growth = registrationGrowth(grown.committedAt, grown.start, BATCH, grown.phases);

    const comparedItems = rounds * perRound * BATCH;
    const lines = [
      `data:RegisterBatch (${BATCH} items/tx, ${IN_FLIGHT} in flight), ${rounds} alternating rounds of ${perRound} tx per layout:`,
      `  with list keys (record, digest, 3 list markers): ${listedRate.toFixed(0)} items/s over ${comparedItems / 2} items`,
      `  lean (record, digest):                           ${leanRate.toFixed(0)} items/s over ${comparedItems / 2} items`,
      `  lean / with list keys: ${speedup.toFixed(2)} × (goal ≥ 1.5)`,
      describePhases('with list keys', meanPhases(totals.get(LISTED.name)?.phases ?? [])),
      describePhases('lean', meanPhases(totals.get(LEAN.name)?.phases ?? [])),
      `then lean registration alone, ${growthItems} more items on a ledger of ${comparedItems}:`,
      ...growth.lines,
    ];
    return {
      text: lines.join('\n'),
      data: {
        batch: BATCH,
        inFlight: IN_FLIGHT,
        comparedItemsPerLayout: comparedItems / 2,
        listKeysItemsPerSecond: listedRate,
        leanItemsPerSecond: leanRate,
        speedup,
        listKeysPhases: meanPhases(totals.get(LISTED.name)?.phases ?? []),
        leanPhases: meanPhases(totals.get(LEAN.name)?.phases ?? []),
        growthItems,
        registerGrowth: growth.segments,
        registerFlatness: growth.flatness,
      },
    };
  },
};
