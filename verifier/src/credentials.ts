import type { EvidenceBundle } from './bundle';
import type { Check } from './verify';

/**
 * Content Credentials (C2PA) carried by a downloaded output: the manifest's ledger references and
 * how they are checked against an evidence bundle. Pure: reading and validating the manifest itself
 * is done by the C2PA reference implementation (node-c2pa.ts); this module decides what its answer
 * and its references mean for the bundle's verdict.
 */

/** Label of the manifest assertion that carries the ledger references. */
export const LEDGER_ASSERTION = 'org.kiseki.ledger';
export const LEDGER_REFERENCES_FORMAT = 'kiseki-ledger/1';
/** IPTC digital source type for media created by a trained model. */
export const TRAINED_ALGORITHMIC_MEDIA = 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia';

/** What the manifest says about the output on the ledger; enough to find and check its evidence. */
export interface LedgerReferences {
  format: typeof LEDGER_REFERENCES_FORMAT;
  channel: string;
  chaincode: string;
  outputId: string;
  ownerMsp: string;
  /** SHA-256 of the output as registered (the file without its manifest). */
  contentDigest: string;
  mediaType: string;
  modelId: string;
  modelVersion?: number;
  trainingRoot?: string;
  trainingSize?: number;
  /** The transaction that registered the output and its block. */
  transactionId: string;
  blockNumber: string;
  /** Where a member exports the output's evidence bundle (path on any consortium gateway). */
  evidence: string;
}

/** What the C2PA reader reported about a file. */
export interface CredentialsReading {
  /** The reader's verdict on the active manifest: `Trusted`, `Valid` or `Invalid`. */
  state: string;
  /** Failure status codes with the reader's explanation, e.g. `assertion.dataHash.mismatch`. */
  failures: { code: string; explanation: string }[];
  /** The ledger references, when the active manifest carries them. */
  references?: LedgerReferences;
  /** The `c2pa.created` action's digital source type and software agent. */
  created?: { digitalSourceType?: string; softwareAgent?: string };
  /** Subject of the certificate that signed the manifest. */
  signer?: string;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** The PNG chunk type C2PA stores its manifest store in. */
const C2PA_PNG_CHUNK = 'caBX';

/**
 * The PNG as it was before its manifest was embedded: every `caBX` chunk removed. Returns undefined
 * when the bytes are not a well-formed PNG.
 */
export function stripPngManifest(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.length < 8 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) return undefined;
  const kept: Uint8Array[] = [bytes.subarray(0, 8)];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 8;
  while (at < bytes.length) {
    if (at + 12 > bytes.length) return undefined;
    const length = view.getUint32(at);
    const end = at + 12 + length;
    if (end > bytes.length) return undefined;
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (type !== C2PA_PNG_CHUNK) kept.push(bytes.subarray(at, end));
    at = end;
  }
  const out = new Uint8Array(kept.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of kept) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Checks that tie a C2PA reading to an evidence bundle: the manifest validates and is signed under
 * the owning org's CA (the reader was given that CA as its only trust anchor), it was made by a
 * trained model, and its references name the bundle's output, digest, model, channel and
 * registering transaction. The bundle's own checks then decide the verdict.
 */
export function credentialsChecks(reading: CredentialsReading, bundle: EvidenceBundle): Check[] {
  const checks: Check[] = [];
  const failures = reading.failures.map((f) => `${f.code} (${f.explanation})`);
  if (reading.state === 'Trusted' && failures.length === 0) {
    checks.push({
      name: 'content credentials',
      ok: true,
      detail: `C2PA manifest valid, signed by ${reading.signer ?? 'an unnamed signer'} under the owning org's CA`,
    });
  } else {
    const why = failures.length > 0 ? failures.join('; ') : `the reader's verdict is ${reading.state}, not Trusted`;
    checks.push({ name: 'content credentials', ok: false, detail: why });
  }
  const refs = reading.references;
  if (refs === undefined) {
    checks.push({ name: 'credentials references', ok: false, detail: `the manifest carries no ${LEDGER_ASSERTION} assertion` });
    return checks;
  }
  const claim = bundle.claim;
  const registered = bundle.transactions.find((t) => t.role === 'output');
  const mismatches: string[] = [];
  if (claim.kind !== 'output') mismatches.push(`the bundle is about a ${claim.kind} claim, not an output`);
  else {
    if (claim.outputId !== refs.outputId) mismatches.push(`output ${refs.outputId} ≠ bundle's ${claim.outputId}`);
    if (claim.contentDigest !== refs.contentDigest) mismatches.push(`digest ${refs.contentDigest} ≠ bundle's ${claim.contentDigest}`);
    if (claim.modelId !== refs.modelId) mismatches.push(`model ${refs.modelId} ≠ bundle's ${claim.modelId}`);
  }
  if (bundle.channel !== refs.channel) mismatches.push(`channel ${refs.channel} ≠ bundle's ${bundle.channel}`);
  if (registered?.transactionId !== refs.transactionId)
    mismatches.push(`transaction ${refs.transactionId} ≠ bundle's ${registered?.transactionId ?? 'none'}`);
  if (registered?.blockNumber !== refs.blockNumber)
    mismatches.push(`block ${refs.blockNumber} ≠ bundle's ${registered?.blockNumber ?? 'none'}`);
  if (reading.created?.digitalSourceType !== TRAINED_ALGORITHMIC_MEDIA)
    mismatches.push('the c2pa.created action does not declare trainedAlgorithmicMedia');
  checks.push(
    mismatches.length === 0
      ? {
          name: 'credentials references',
          ok: true,
          detail: `output ${refs.outputId}, model ${refs.modelId}, transaction ${refs.transactionId} in block ${refs.blockNumber} on ${refs.channel}: as in the bundle`,
        }
      : { name: 'credentials references', ok: false, detail: mismatches.join('; ') },
  );
  return checks;
}
