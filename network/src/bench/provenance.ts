import { leafHash, MerkleTree, verifyExclusion, verifyInclusion } from '@kiseki/chaincode/shared/merkle';
import { Orgs, ProvenanceWorld } from '@kiseki/chaincode/testing/provenance-fixtures';
import { describePhases, meanPhases, PhaseTimes, submitPhased } from './phases';
import { formatTable, LoadResult, percentile, runLoad } from './stats';
import { publishOpenTerms, registerProviders, sha256 } from './seed';
import { BenchContext, BenchReport, BenchSuite } from './suite';

const decoder = new TextDecoder();

function timeIt(iterations: number, fn: (i: number) => unknown): number {
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) fn(i);
  return (performance.now() - t0) / iterations;
}

/**
 * The contract code's own CPU cost for one 1000-item registration and attestation, run in this
 * process on the in-memory ledger (no peer, no gRPC): what remains of a transaction's endorse time
 * beyond this is shim I/O and the peer's simulation.
 */
async function inProcessCost(batch: number): Promise<{ registerMs: number; attestMs: number }> {
  const world = new ProvenanceWorld();
  await world.publishTerms('t');
  await world.registerProvider('p');
  await world.registerModel('m');
  let registerMs = 0;
  let attestMs = 0;
  const rounds = 3;
  for (let r = 0; r < rounds; r++) {
    const ids = Array.from({ length: batch }, (_, i) => `r${r}-${String(i).padStart(5, '0')}`);
    let t0 = performance.now();
    await world.registerData(ids, 'p', 't');
    registerMs += performance.now() - t0;
    t0 = performance.now();
    await world.invoke('models', 'AttestTrainingBatch', Orgs.studio1, { modelId: 'm', dataIds: ids });
    attestMs += performance.now() - t0;
  }
  return { registerMs: registerMs / rounds, attestMs: attestMs / rounds };
}

/** Registration rate per segment of 100,000 items (or per fifth of a smaller run), in commit order. */
export function registrationGrowth(
  committedAt: readonly number[],
  start: number,
  batch: number,
  phases: readonly PhaseTimes[],
): { segments: { items: number; itemsPerSecond: number; endorseMs: number; commitMs: number }[]; flatness: number; lines: string[] } {
  const perSegment = Math.max(1, Math.min(100, Math.floor(committedAt.length / 5)));
  const segments: { items: number; itemsPerSecond: number; endorseMs: number; commitMs: number }[] = [];
  for (let end = perSegment; end <= committedAt.length; end += perSegment) {
    const from = end === perSegment ? start : (committedAt[end - perSegment - 1] as number);
    const seconds = ((committedAt[end - 1] as number) - from) / 1000;
    const slice = phases.slice(end - perSegment, end);
    const mean = meanPhases(slice);
    segments.push({
      items: end * batch,
      itemsPerSecond: (perSegment * batch) / seconds,
      endorseMs: mean.endorseMs,
      commitMs: mean.commitMs,
    });
  }
  const first = segments[0];
  const last = segments[segments.length - 1];
  const flatness = first !== undefined && last !== undefined ? last.itemsPerSecond / first.itemsPerSecond : Number.NaN;
  const lines = [
    `Registration as the ledger grows (per ${perSegment * batch} items, in commit order):`,
    ...segments.map(
      (s) =>
        `  up to ${String(s.items).padStart(7)} items: ${s.itemsPerSecond.toFixed(0).padStart(5)} items/s; endorse ${s.endorseMs.toFixed(0)} ms, commit ${s.commitMs.toFixed(0)} ms per tx`,
    ),
    `  last segment / first segment: ${flatness.toFixed(2)} (goal ≥ 0.9)`,
  ];
  return { segments, flatness, lines };
}

/**
 * Provenance at scale: register 100,000 data items in batches, attest them into one model in batches,
 * seal, and check the chaincode's root against an independent computation; then time proof building
 * and verification, off chain and on the regulator's peer.
 */
export const suite: BenchSuite = {
  name: 'provenance',
  description: 'register and attest 100,000 items; proofs',
  async run(ctx: BenchContext): Promise<BenchReport> {
    const items = Math.max(1000, Math.round(100_000 * ctx.scale));
    const batch = 1000;
    const registerInFlight = 4;
    const studio = ctx.client('Studio1MSP');
    const licensor = ctx.client('LicensorMSP');
    const regulator = ctx.client('RegulatorMSP');
    const termsId = `${ctx.tag}-terms`;
    const modelId = `${ctx.tag}-model`;
    const providers = Array.from({ length: 10 }, (_, i) => `${ctx.tag}-prov-${i}`);

    await publishOpenTerms(licensor.contract, termsId);
    await registerProviders(studio.contract, providers);

    // Zero-padded ids: numeric order is byte order, so the attest batches are ascending.
    const ids = Array.from({ length: items }, (_, i) => `${ctx.tag}-d${String(i).padStart(7, '0')}`);
    const batches = Math.ceil(items / batch);
    const registerPhases: PhaseTimes[] = [];
    // When each batch committed, to see whether registration slows down as the ledger grows.
    const committedAt: number[] = [];
    const registerStart = performance.now();
    const register = await runLoad(`data:RegisterBatch (${batch} items/tx)`, registerInFlight, batches, async (b) => {
      const slice = ids.slice(b * batch, (b + 1) * batch);
      const request = {
        items: slice.map((dataId, k) => ({
          dataId,
          providerId: providers[k % providers.length],
          termsId,
          contentDigest: sha256(dataId),
          mediaType: 'image/png',
          size: 4096,
        })),
      };
      const { phases } = await submitPhased(studio.contract, 'data:RegisterBatch', JSON.stringify(request));
      registerPhases.push(phases);
      committedAt.push(performance.now());
    });
    const growth = registrationGrowth(committedAt, registerStart, batch, registerPhases);

    await studio.contract.submitTransaction('models:Register', JSON.stringify({ modelId }));
    const attestPhases: PhaseTimes[] = [];
    // Batches of one model continue each other (and fold into one frontier), so they go one at a time.
    const attest = await runLoad(`models:AttestTrainingBatch (${batch} ids/tx)`, 1, batches, async (b) => {
      const { phases } = await submitPhased(
        studio.contract,
        'models:AttestTrainingBatch',
        JSON.stringify({ modelId, dataIds: ids.slice(b * batch, (b + 1) * batch) }),
      );
      attestPhases.push(phases);
    });
    const sealed = JSON.parse(decoder.decode(await studio.contract.submitTransaction('models:Seal', JSON.stringify({ modelId })))) as {
      trainingRoot: string;
      trainingSize: number;
    };

    // The chaincode's root against an independent computation over the same sorted ids.
    const buildStart = performance.now();
    const tree = MerkleTree.fromSortedIds(ids);
    const buildMs = performance.now() - buildStart;
    const rootMatches = tree.rootHex() === sealed.trainingRoot && sealed.trainingSize === items;
    if (!rootMatches)
      throw new Error(`sealed root ${sealed.trainingRoot} (${sealed.trainingSize}) ≠ independent root ${tree.rootHex()} (${items})`);

    const probes = 2000;
    const probeIndex = (i: number): number => (i * 7919) % items;
    const proofs = Array.from({ length: probes }, (_, i) => tree.inclusionProof(probeIndex(i)));
    const proofBuildMs = timeIt(probes, (i) => tree.inclusionProof(probeIndex(i)));
    const root = tree.root();
    const leaves = Array.from({ length: probes }, (_, i) => leafHash(ids[probeIndex(i)] as string));
    let verified = 0;
    const verifyMs = timeIt(probes, (i) => {
      if (verifyInclusion(leaves[i] as Uint8Array, probeIndex(i), items, proofs[i] as Buffer[], root)) verified += 1;
    });
    const absent = `${ctx.tag}-d0000000x`; // sorts between d0000000 and d0000001
    const exclusion = tree.exclusionProof(absent);
    const exclusionVerifyMs = timeIt(probes, () => verifyExclusion(absent, exclusion, root, items));

    const onChain: number[] = [];
    for (let i = 0; i < 50; i++) {
      const index = probeIndex(i);
      const t0 = performance.now();
      const answer = JSON.parse(
        decoder.decode(
          await regulator.contract.evaluateTransaction(
            'models:VerifyInclusion',
            JSON.stringify({
              modelId,
              dataId: ids[index],
              index,
              path: tree.inclusionProof(index).map((n) => n.toString('hex')),
            }),
          ),
        ),
      ) as { valid: boolean };
      onChain.push(performance.now() - t0);
      if (!answer.valid) throw new Error(`regulator's peer rejected a valid proof for index ${index}`);
    }
    onChain.sort((a, b) => a - b);

    const cpu = await inProcessCost(batch);
    const itemRate = (r: LoadResult): LoadResult => ({ ...r, perSecond: r.perSecond * batch, label: `${r.label} → items/s` });
    const ratio = (r: LoadResult): number => (r.perSecond * batch) / ctx.baseline.writeTps;
    const lines = [
      formatTable([itemRate(register), itemRate(attest)], 'items/s'),
      `  (p50/p99 are per batch transaction of ${batch} items)`,
      `  registration: ${(register.perSecond * batch).toFixed(0)} items/s = ${ratio(register).toFixed(1)} × baseline single-key write TPS (${ctx.baseline.writeTps.toFixed(1)}) — goal ≥ 10 ×`,
      `  attestation:  ${(attest.perSecond * batch).toFixed(0)} items/s = ${ratio(attest).toFixed(1)} × baseline — goal ≥ 10 ×`,
      `  sealed root ${sealed.trainingRoot} over ${sealed.trainingSize} ids = independent RFC 6962 root: ${rootMatches}`,
      `  off-chain: build tree of ${items} ids ${buildMs.toFixed(0)} ms; inclusion proof ${(proofBuildMs * 1000).toFixed(1)} µs; ` +
        `verify inclusion ${(verifyMs * 1000).toFixed(1)} µs (${verified}/${probes} valid); verify exclusion ${(exclusionVerifyMs * 1000).toFixed(1)} µs`,
      `  on the regulator's peer: models:VerifyInclusion evaluate p50 ${percentile(onChain, 50).toFixed(1)} ms, p99 ${percentile(onChain, 99).toFixed(1)} ms`,
      'Where the time goes (mean per batch transaction):',
      describePhases('RegisterBatch', meanPhases(registerPhases)),
      ...growth.lines,
      describePhases('AttestTrainingBatch', meanPhases(attestPhases)),
      `  contract code alone (in process, memory ledger, ${batch} items): RegisterBatch ${cpu.registerMs.toFixed(0)} ms, ` +
        `AttestTrainingBatch ${cpu.attestMs.toFixed(0)} ms — the rest of "endorse" is the peer's simulation, gRPC to both endorsers ` +
        'and the batched state messages; both endorsing peers run the chaincode, on the same 2 cores as everything else',
    ];
    return {
      text: lines.join('\n'),
      data: {
        items,
        batch,
        register,
        attest,
        registerItemsPerSecond: register.perSecond * batch,
        attestItemsPerSecond: attest.perSecond * batch,
        registerRatio: ratio(register),
        attestRatio: ratio(attest),
        rootMatches,
        treeBuildMs: buildMs,
        proofBuildUs: proofBuildMs * 1000,
        verifyInclusionUs: verifyMs * 1000,
        verifyExclusionUs: exclusionVerifyMs * 1000,
        registerGrowth: growth.segments,
        registerFlatness: growth.flatness,
        onChainVerifyP50Ms: percentile(onChain, 50),
        inProcessCost: cpu,
        registerPhases: meanPhases(registerPhases),
        attestPhases: meanPhases(attestPhases),
      },
    };
  },
};
