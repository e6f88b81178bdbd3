import { Contract, StatusCode } from '@hyperledger/fabric-gateway';
import { describePhases, meanPhases, PhaseTimes, submitPhased } from './phases';
import { describeError, formatTable, LoadResult, percentile, runLoad } from './stats';
import { publishOpenTerms, sha256 } from './seed';
import { BenchContext, BenchReport, BenchSuite } from './suite';

const decoder = new TextDecoder();
/** Most items per batch transaction (providers:RegisterBatch, data:RegisterBatch, models:AttestTrainingBatch). */
const BATCH = 1000;
const REGISTER_IN_FLIGHT = 4;
const CURRENCY = 'JPY';
const POOL_SHARE_BPS = 3000;
/** Fixed-point scale of the per-item royalty index (docs/royalties.md §2). */
const INDEX_SCALE = 10n ** 18n;
/** Concurrent chains of revenue reports in the throughput run (one subject each). */
const THROUGHPUT_CHAINS = 100;
/** Concurrent chains in the contention runs (enough to show that all but one per block lose). */
const CONTENDING_CHAINS = 32;
const STUDIO = 'Studio1MSP';
const LICENSOR = 'LicensorMSP';
const RATIO_GOAL = 1.5;

interface SealedModel {
  modelId: string;
  trainingSize: number;
  providerCount: number;
  status: string;
}
interface PoolView {
  pool: { index: string; poolIn: string; events: number };
  identityHolds: boolean;
}
interface Statement {
  lines: { modelId: string; itemCount: number; accrued: string }[];
}

/** One model of the comparison: its id, one output to report revenue on, and its providers. */
interface ModelUnderTest {
  readonly label: string;
  readonly modelId: string;
  readonly outputId: string;
  readonly providers: readonly string[];
  /** Training items per provider (equal for every provider of the model). */
  readonly itemsPerProvider: number;
}

/** Outcome of concurrent chains of sequential submissions. */
interface ChainsResult {
  readonly label: string;
  readonly chains: number;
  readonly attempted: number;
  readonly committed: number;
  readonly mvccConflicts: number;
  readonly otherFailures: number;
  readonly seconds: number;
  readonly committedPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly firstFailure?: string;
}

const ascending = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Runs `ops` batch transactions with a few in flight; any failure aborts the benchmark (it is set-up). */
async function setupLoad(label: string, inFlight: number, ops: number, op: (i: number) => Promise<unknown>): Promise<LoadResult> {
  let firstError: unknown;
  const result = await runLoad(label, inFlight, ops, async (i) => {
    try {
      await op(i);
    } catch (error) {
      firstError ??= error;
      throw error;
    }
  });
  if (result.errors > 0) throw new Error(`${label}: ${result.errors} of ${ops} failed; first: ${describeError(firstError)}`);
  return result;
}

/** A latency series as a table row (one operation in flight). */
function latencyRow(label: string, samples: readonly number[], seconds: number): LoadResult {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    label,
    inFlight: 1,
    operations: sorted.length,
    errors: 0,
    seconds,
    perSecond: sorted.length / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
  };
}

/**
 * `chains` chains run at once, each submitting `perChain` transactions one after another; counts what
 * committed and what Fabric invalidated for a read conflict (MVCC), which is what contention costs.
 */
async function runChains(
  label: string,
  contract: Contract,
  chains: number,
  perChain: number,
  request: (chain: number, i: number) => Record<string, unknown>,
): Promise<ChainsResult> {
  const latencies: number[] = [];
  let mvccConflicts = 0;
  let otherFailures = 0;
  let firstFailure: string | undefined;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: chains }, async (_, chain) => {
      for (let i = 0; i < perChain; i++) {
        const t0 = performance.now();
        try {
          const transaction = await contract.newProposal('revenue:Record', { arguments: [JSON.stringify(request(chain, i))] }).endorse();
          const status = await (await transaction.submit()).getStatus();
          if (status.successful) latencies.push(performance.now() - t0);
          else if (status.code === StatusCode.MVCC_READ_CONFLICT || status.code === StatusCode.PHANTOM_READ_CONFLICT) mvccConflicts += 1;
          else {
            otherFailures += 1;
            firstFailure ??= `validation code ${status.code}`;
          }
        } catch (error) {
          otherFailures += 1;
          firstFailure ??= describeError(error);
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    label,
    chains,
    attempted: chains * perChain,
    committed: latencies.length,
    mvccConflicts,
    otherFailures,
    seconds,
    committedPerSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    ...(firstFailure === undefined ? {} : { firstFailure }),
  };
}

function describeChains(r: ChainsResult): string {
  const failures = r.otherFailures > 0 ? `, ${r.otherFailures} other failures (first: ${r.firstFailure ?? '?'})` : '';
  return (
    `  ${r.label}: ${r.committed}/${r.attempted} committed in ${r.seconds.toFixed(1)} s = ${r.committedPerSecond.toFixed(1)} events/s ` +
    `(p50 ${r.p50Ms.toFixed(0)} ms, p99 ${r.p99Ms.toFixed(0)} ms), ${r.mvccConflicts} MVCC conflicts${failures}`
  );
}

const ratio = (big: number, small: number): number => big / small;
const verdict = (value: number): string => (value <= RATIO_GOAL ? `≤ ${RATIO_GOAL} ✓` : `> ${RATIO_GOAL} ✗`);

/**
 * Royalties at scale: revenue reports and provider statements on a model trained on 10 providers'
 * data and on one trained on 100,000 providers' data (the same number of training items), to show
 * that neither grows with the provider count; then revenue events per second on distinct subjects,
 * and what contention on a shared pool or holder key costs.
 */
export const suite: BenchSuite = {
  name: 'royalties',
  description: 'revenue:Record and revenue:Statement on 10 vs 100,000 (× scale) providers; revenue events/s',
  async run(ctx: BenchContext): Promise<BenchReport> {
    // Scale 0: every kind of work once or a few times, as a workload for tests (not a measurement).
    const smallest = ctx.scale === 0;
    // A multiple of 10, so that the 10-provider model's providers hold equal shares of the same item count.
    const manyProviders = smallest ? 100 : Math.max(1000, Math.round(10_000 * ctx.scale) * 10);
    const items = manyProviders; // both models train on this many items
    const reports = smallest ? 2 : Math.max(20, Math.round(100 * ctx.scale));
    const statements = smallest ? 2 : Math.max(50, Math.round(200 * ctx.scale));
    const perChain = smallest ? 1 : Math.max(5, Math.round(25 * ctx.scale));
    const contentionPerChain = smallest ? 1 : Math.max(3, Math.round(8 * ctx.scale));
    const CHAINS = smallest ? 4 : THROUGHPUT_CHAINS;
    const CONTENTION_CHAINS = smallest ? 4 : CONTENDING_CHAINS;
    const studio = ctx.client(STUDIO).contract;
    const licensor = ctx.client(LICENSOR).contract;
    const submit = async <T>(name: string, request: unknown): Promise<T> =>
      JSON.parse(decoder.decode(await studio.submitTransaction(name, JSON.stringify(request)))) as T;
    const termsId = `${ctx.tag}-terms`;
    const pad = (i: number): string => String(i).padStart(7, '0');

    const few: ModelUnderTest = {
      label: '10 providers',
      modelId: `${ctx.tag}-m-few`,
      outputId: `${ctx.tag}-o-few`,
      providers: Array.from({ length: 10 }, (_, i) => `${ctx.tag}-fp-${i}`),
      itemsPerProvider: items / 10,
    };
    const many: ModelUnderTest = {
      label: `${manyProviders.toLocaleString('en')} providers`,
      modelId: `${ctx.tag}-m-many`,
      outputId: `${ctx.tag}-o-many`,
      providers: Array.from({ length: manyProviders }, (_, i) => `${ctx.tag}-mp-${pad(i)}`),
      itemsPerProvider: 1,
    };
    // Item i of a model belongs to provider i mod (its provider count): every provider the same number of items.
    const itemIds = (m: ModelUnderTest): string[] => Array.from({ length: items }, (_, i) => `${m.modelId}-d${pad(i)}`);
    const providerOf = (m: ModelUnderTest, i: number): string => m.providers[i % m.providers.length] as string;

    // ---- set-up: terms, providers, data, two sealed models with an output each
    const setupStart = performance.now();
    await publishOpenTerms(licensor, termsId, POOL_SHARE_BPS);
    const allProviders = [...few.providers, ...many.providers];
    const providerBatches = Math.ceil(allProviders.length / BATCH);
    const registerProviders = await setupLoad(`providers:RegisterBatch (${BATCH}/tx)`, REGISTER_IN_FLIGHT, providerBatches, (b) =>
      studio.submitTransaction(
        'providers:RegisterBatch',
        JSON.stringify({
          items: allProviders.slice(b * BATCH, (b + 1) * BATCH).map((providerId) => ({ providerId, payoutRefDigest: sha256(providerId) })),
        }),
      ),
    );
    ctx.log.info(`  ${allProviders.length} providers registered in ${registerProviders.seconds.toFixed(1)} s`);

    const registerPhases: PhaseTimes[] = [];
    const registerData = async (m: ModelUnderTest): Promise<LoadResult> => {
      const ids = itemIds(m);
      return setupLoad(`data:RegisterBatch, ${m.label} (${BATCH}/tx)`, REGISTER_IN_FLIGHT, Math.ceil(items / BATCH), async (b) => {
        const request = {
          items: ids.slice(b * BATCH, (b + 1) * BATCH).map((dataId, k) => ({
            dataId,
            providerId: providerOf(m, b * BATCH + k),
            termsId,
            contentDigest: sha256(dataId),
            mediaType: 'image/png',
            size: 4096,
          })),
        };
        registerPhases.push((await submitPhased(studio, 'data:RegisterBatch', JSON.stringify(request))).phases);
      });
    };
    const registeredFew = await registerData(few);
    const registeredMany = await registerData(many);
    ctx.log.info(`  ${2 * items} data items registered in ${(registeredFew.seconds + registeredMany.seconds).toFixed(1)} s`);

    const attestPhases = new Map<string, PhaseTimes[]>();
    const train = async (m: ModelUnderTest): Promise<LoadResult> => {
      await submit('models:Register', { modelId: m.modelId });
      const ids = itemIds(m).sort(ascending);
      const phases: PhaseTimes[] = [];
      attestPhases.set(m.label, phases);
      // Batches of one model continue each other (one frontier), so they go one at a time; the two models in parallel.
      const attest = await setupLoad(`models:AttestTrainingBatch, ${m.label} (${BATCH}/tx)`, 1, Math.ceil(items / BATCH), async (b) => {
        phases.push(
          (
            await submitPhased(
              studio,
              'models:AttestTrainingBatch',
              JSON.stringify({ modelId: m.modelId, dataIds: ids.slice(b * BATCH, (b + 1) * BATCH) }),
            )
          ).phases,
        );
      });
      const sealed = await submit<SealedModel>('models:Seal', { modelId: m.modelId });
      if (sealed.trainingSize !== items || sealed.providerCount !== m.providers.length) {
        throw new Error(
          `model ${m.modelId} sealed with ${sealed.trainingSize} items of ${sealed.providerCount} providers; expected ${items} of ${m.providers.length}`,
        );
      }
      await submit('outputs:Register', {
        outputId: m.outputId,
        modelId: m.modelId,
        contentDigest: sha256(m.outputId),
        mediaType: 'image/png',
        rightsIds: [],
      });
      return attest;
    };
    const [attestFew, attestMany] = await Promise.all([train(few), train(many)]);
    ctx.log.info(`  both models attested and sealed (${attestFew.seconds.toFixed(1)} s / ${attestMany.seconds.toFixed(1)} s)`);

    // Throughput subjects: CHAINS small models (each its own pool), an output on each with its own rights
    // holder, so concurrent reports share no key; and the two contention cases. They are trained on
    // items of their own provider, so the compared models' providers keep one model each (a statement
    // without modelIds has one line per model of the provider).
    const throughputProvider = `${ctx.tag}-tp`;
    const firstIds = Array.from({ length: 10 }, (_, i) => `${ctx.tag}-tp-d${pad(i)}`);
    await submit('providers:Register', { providerId: throughputProvider, payoutRefDigest: sha256(throughputProvider) });
    await submit('data:RegisterBatch', {
      items: firstIds.map((dataId) => ({
        dataId,
        providerId: throughputProvider,
        termsId,
        contentDigest: sha256(dataId),
        mediaType: 'image/png',
        size: 4096,
      })),
    });
    const throughputModel = (i: number): string => `${ctx.tag}-w-m${i}`;
    const setupChains = async (label: string, op: (i: number) => Promise<unknown>, count = CHAINS): Promise<void> => {
      await setupLoad(label, count, count, op);
    };
    await setupChains('models:Register', (i) => submit('models:Register', { modelId: throughputModel(i) }));
    await setupChains('models:AttestTrainingBatch', (i) =>
      submit('models:AttestTrainingBatch', { modelId: throughputModel(i), dataIds: firstIds }),
    );
    await setupChains('models:Seal', (i) => submit('models:Seal', { modelId: throughputModel(i) }));
    const outputOf = (kind: string, i: number): string => `${ctx.tag}-${kind}-o${i}`;
    // w: own model, own holder; c: one model, own holders; h: own models, no rights (the owner studio is paid).
    const outputSets: [string, (i: number) => string, number][] = [
      ['w', throughputModel, CHAINS],
      ['c', () => throughputModel(0), CONTENTION_CHAINS],
      ['h', throughputModel, CONTENTION_CHAINS],
    ];
    for (const [kind, model, count] of outputSets) {
      await setupChains(
        `outputs:Register (${kind})`,
        (i) =>
          submit('outputs:Register', {
            outputId: outputOf(kind, i),
            modelId: model(i),
            contentDigest: sha256(outputOf(kind, i)),
            mediaType: 'image/png',
            rightsIds: [],
          }),
        count,
      );
      if (kind === 'h') continue;
      await setupChains(
        `rights:Create (${kind})`,
        (i) =>
          submit('rights:Create', {
            rightsId: `${ctx.tag}-${kind}-r${i}`,
            subjectType: 'output',
            subjectId: outputOf(kind, i),
            licensorMsp: LICENSOR,
            holders: [{ holderId: `${ctx.tag}-${kind}-h${i}`, mspId: STUDIO, shareBps: 10_000 }],
          }),
        count,
      );
    }
    const setupSeconds = (performance.now() - setupStart) / 1000;

    // ---- latency of revenue:Record, interleaving the two models so drift hits both alike
    const record = (m: ModelUnderTest, ref: string, amount: number): Promise<{ phases: PhaseTimes }> =>
      submitPhased(
        studio,
        'revenue:Record',
        JSON.stringify({ subjectId: m.outputId, amount: String(amount), currency: CURRENCY, reference: `${m.modelId}-${ref}` }),
      );
    for (let i = 0; i < 3; i++) for (const m of [few, many]) await record(m, `warm-${i}`, 1000);
    const recordMs = new Map<ModelUnderTest, number[]>([
      [few, []],
      [many, []],
    ]);
    const recordPhases = new Map<ModelUnderTest, PhaseTimes[]>([
      [few, []],
      [many, []],
    ]);
    const recordStart = performance.now();
    for (let i = 0; i < reports; i++) {
      for (const m of i % 2 === 0 ? [few, many] : [many, few]) {
        const t0 = performance.now();
        const { phases } = await record(m, `lat-${i}`, 1000 + 37 * i);
        recordMs.get(m)?.push(performance.now() - t0);
        recordPhases.get(m)?.push(phases);
      }
    }
    const recordSeconds = (performance.now() - recordStart) / 1000 / 2;

    // ---- latency of revenue:Statement (evaluate), spread over each model's providers
    const statementOf = async (m: ModelUnderTest, providerId: string): Promise<Statement> =>
      JSON.parse(
        decoder.decode(await studio.evaluateTransaction('revenue:Statement', JSON.stringify({ providerId, currency: CURRENCY }))),
      ) as Statement;
    const probe = (m: ModelUnderTest, i: number): string => m.providers[(i * 7919) % m.providers.length] as string;
    for (let i = 0; i < 10; i++) for (const m of [few, many]) await statementOf(m, probe(m, i));
    const statementMs = new Map<ModelUnderTest, number[]>([
      [few, []],
      [many, []],
    ]);
    const statementStart = performance.now();
    for (let i = 0; i < statements; i++) {
      for (const m of i % 2 === 0 ? [few, many] : [many, few]) {
        const t0 = performance.now();
        await statementOf(m, probe(m, i));
        statementMs.get(m)?.push(performance.now() - t0);
      }
    }
    const statementSeconds = (performance.now() - statementStart) / 1000 / 2;

    // The statements are right, not just fast: accrued = floor(items × index / 10^18) from the pool.
    for (const m of [few, many]) {
      const view = JSON.parse(
        decoder.decode(await studio.evaluateTransaction('revenue:GetPool', JSON.stringify({ modelId: m.modelId, currency: CURRENCY }))),
      ) as PoolView;
      const providerId = probe(m, 1);
      const line = (await statementOf(m, providerId)).lines.find((l) => l.modelId === m.modelId);
      const expected = (BigInt(m.itemsPerProvider) * BigInt(view.pool.index)) / INDEX_SCALE;
      if (!view.identityHolds || line?.itemCount !== m.itemsPerProvider || line.accrued !== expected.toString()) {
        throw new Error(
          `statement of ${providerId} on ${m.modelId} is ${JSON.stringify(line)}; expected ${m.itemsPerProvider} items accruing ${expected.toString()}`,
        );
      }
    }

    // ---- revenue events per second
    let reference = 0;
    const reportOn =
      (kind: string) =>
      (chain: number): Record<string, unknown> => ({
        subjectId: outputOf(kind, chain),
        amount: '1000',
        currency: CURRENCY,
        reference: `${ctx.tag}-${kind}-ref-${reference++}`,
      });
    const distinct = await runChains(`${CHAINS} subjects, each its own model and holder`, studio, CHAINS, perChain, reportOn('w'));
    const sameModel = await runChains(
      `${CONTENTION_CHAINS} outputs of one model (shared pool key)`,
      studio,
      CONTENTION_CHAINS,
      contentionPerChain,
      reportOn('c'),
    );
    const sameHolder = await runChains(
      `${CONTENTION_CHAINS} models, one holder (16 credit shards)`,
      studio,
      CONTENTION_CHAINS,
      contentionPerChain,
      reportOn('h'),
    );

    // ---- report
    const rows = [few, many].flatMap((m) => [latencyRow(`revenue:Record, ${m.label}`, recordMs.get(m) ?? [], recordSeconds)]);
    const statementRows = [few, many].map((m) =>
      latencyRow(`revenue:Statement (evaluate), ${m.label}`, statementMs.get(m) ?? [], statementSeconds),
    );
    const [recordFew, recordMany] = rows as [LoadResult, LoadResult];
    const [statementFew, statementMany] = statementRows as [LoadResult, LoadResult];
    const endorseP50 = (m: ModelUnderTest): number =>
      percentile(
        (recordPhases.get(m) ?? []).map((p) => p.endorseMs).sort((a, b) => a - b),
        50,
      );
    const ratios = {
      recordP50: ratio(recordMany.p50Ms, recordFew.p50Ms),
      recordP99: ratio(recordMany.p99Ms, recordFew.p99Ms),
      recordEndorseP50: ratio(endorseP50(many), endorseP50(few)),
      statementP50: ratio(statementMany.p50Ms, statementFew.p50Ms),
      statementP99: ratio(statementMany.p99Ms, statementFew.p99Ms),
    };
    const baselineWrite = ctx.baseline.writes[0];
    const command = `npm run bench -- ${process.argv.slice(2).join(' ') || 'royalties'}`;
    const setupRate = (r: LoadResult): string => `${(r.perSecond * BATCH).toFixed(0)}/s`;
    const lines = [
      `  two sealed models, ${items.toLocaleString('en')} training items each: "${few.label}" (${few.itemsPerProvider} items each) and "${many.label}" (1 item each); revenue in ${CURRENCY}, data pool ${POOL_SHARE_BPS / 100} %`,
      `  set-up ${setupSeconds.toFixed(0)} s: providers ${setupRate(registerProviders)}, data ${setupRate(registeredFew)} (10 providers) / ${setupRate(registeredMany)} (1000 per batch), ` +
        `attestation ${setupRate(attestFew)} / ${setupRate(attestMany)} items/s`,
      formatTable([...rows, ...statementRows], 'ops/s'),
      `  ${reports} sequential reports per model (unique references, interleaved), ${statements} statements per model (providers spread over the model)`,
      `  ratio ${many.label} / 10 providers — goal ≤ ${RATIO_GOAL}:`,
      `    revenue:Record    p50 ${ratios.recordP50.toFixed(2)} ${verdict(ratios.recordP50)}   p99 ${ratios.recordP99.toFixed(2)}   endorsement (chaincode) p50 ${ratios.recordEndorseP50.toFixed(2)} ${verdict(ratios.recordEndorseP50)}`,
      `    revenue:Statement p50 ${ratios.statementP50.toFixed(2)} ${verdict(ratios.statementP50)}   p99 ${ratios.statementP99.toFixed(2)}`,
      `  against the same run's baseline: revenue:Record p50 ${recordMany.p50Ms.toFixed(0)} ms vs one-key write p50 ${baselineWrite?.p50Ms.toFixed(0) ?? '-'} ms (1 in flight); ` +
        `statement p50 ${statementMany.p50Ms.toFixed(1)} ms vs providers:Get p50 ${ctx.baseline.evaluate.p50Ms.toFixed(1)} ms`,
      'Where the time goes (mean per revenue:Record):',
      describePhases(`10 providers`, meanPhases(recordPhases.get(few) ?? [])),
      describePhases(many.label, meanPhases(recordPhases.get(many) ?? [])),
      'Revenue events per second (concurrent chains of sequential reports):',
      describeChains(distinct),
      `    = ${(distinct.committedPerSecond / ctx.baseline.writeTps).toFixed(2)} × the baseline single-key write TPS (${ctx.baseline.writeTps.toFixed(1)})`,
      describeChains(sameModel),
      describeChains(sameHolder),
      '  Reports on one model serialise on its pool key (model, currency): Fabric commits one of each conflicting set per block',
      '  and invalidates the rest (MVCC). Reports paying one holder spread over 16 credit shards chosen by transaction ID.',
      '  The sustained figure therefore uses subjects with their own model and holder.',
      `  reproduce: ${command}`,
    ];
    return {
      text: lines.join('\n'),
      data: {
        items,
        manyProviders,
        reports,
        statements,
        setupSeconds,
        setup: {
          registerProviders,
          registeredFew,
          registeredMany,
          attestFew,
          attestMany,
          registerPhases: meanPhases(registerPhases),
          attestPhases: Object.fromEntries([...attestPhases].map(([label, phases]) => [label, meanPhases(phases)])),
        },
        record: {
          few: recordFew,
          many: recordMany,
          fewPhases: meanPhases(recordPhases.get(few) ?? []),
          manyPhases: meanPhases(recordPhases.get(many) ?? []),
        },
        statement: { few: statementFew, many: statementMany },
        ratios,
        throughput: { distinct, sameModel, sameHolder },
        baselineWriteTps: ctx.baseline.writeTps,
        command,
      },
    };
  },
};
