import { createPrivateKey, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type * as C2pa from '@contentauth/c2pa-wasm' with { 'resolution-mode': 'import' };
import { LEDGER_ASSERTION, TRAINED_ALGORITHMIC_MEDIA, type LedgerReferences } from '@kiseki/verifier';
import { CborMap, CborTag, encodeCbor } from './cbor';

/**
 * Content Credentials: a C2PA manifest embedded in an output when it is downloaded, built and embedded
 * by the C2PA reference implementation compiled to WebAssembly (`@contentauth/c2pa-wasm`), signed with
 * the org's content-credentials key.
 *
 * The wasm signer hands the claim to a JS callback that must return the whole COSE_Sign1 ("direct COSE
 * handling"): c2pa-rs then neither asks a time-stamp authority nor adds one, so signing works offline.
 * The COSE_Sign1 is the one c2pa-rs itself builds for a v2 claim: protected header {alg, x5chain},
 * detached payload, P-1363 ECDSA signature, and an unprotected `pad` that brings it to exactly the
 * size reserved for it in the manifest.
 */

/** Media types a manifest is embedded in. */
export const CREDENTIAL_MEDIA_TYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg']);

/** The org's content-credentials identity: an ECDSA P-256 key and its certificate issued by the org's CA. */
export interface ContentSigner {
  key: KeyObject;
  certificate: X509Certificate;
  /** The org's CA (PEM): the only anchor the signer must chain to. */
  caPem: string;
}

export function loadContentSigner(paths: { certPath: string; keyPath: string; caCertPath: string }): ContentSigner {
  const certificate = new X509Certificate(readFileSync(paths.certPath));
  const key = createPrivateKey(readFileSync(paths.keyPath));
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new Error('the content-credentials key must be ECDSA P-256');
  const caPem = readFileSync(paths.caCertPath, 'utf8');
  if (!certificate.checkIssued(new X509Certificate(caPem)))
    throw new Error('the content-credentials certificate is not issued by the given CA');
  return { key, certificate, caPem };
}

let loaded: Promise<typeof C2pa> | undefined;

function loadC2pa(): Promise<typeof C2pa> {
  loaded ??= (async () => {
    const c2pa = await import('@contentauth/c2pa-wasm');
    c2pa.initSync({ module: readFileSync(require.resolve('@contentauth/c2pa-wasm/c2pa.wasm')) });
    installFileReaderSync();
    return c2pa;
  })();
  return loaded;
}

/** Bytes behind the Blobs handed to the wasm builder, which reads them synchronously. */
const blobBytes = new WeakMap<Blob, Uint8Array>();

function blobOf(bytes: Uint8Array): Blob {
  const blob = new Blob([bytes]);
  blobBytes.set(blob, bytes);
  // The builder reads in slices; each slice keeps its bytes reachable too.
  Object.defineProperty(blob, 'slice', {
    value: (start?: number, end?: number) => blobOf(bytes.subarray(start ?? 0, end ?? bytes.length)),
  });
  return blob;
}

/**
 * The wasm reads Blobs with `FileReaderSync`, which only browsers' workers have; in Node it reads the
 * bytes the Blob was made from.
 */
function installFileReaderSync(): void {
  const scope = globalThis as { FileReaderSync?: unknown };
  scope.FileReaderSync ??= class {
    readAsArrayBuffer(blob: Blob): ArrayBuffer {
      const bytes = blobBytes.get(blob);
      if (bytes === undefined) throw new TypeError('FileReaderSync: a Blob not made by the content-credentials module');
      // A copy: a Buffer's `.buffer` may be a shared pool larger than its bytes.
      return new Uint8Array(bytes).buffer;
    }
  };
}

/** Room reserved in the manifest for the COSE_Sign1 (certificate, signature, headers). */
const RESERVE = 4096;

/** A COSE_Sign1 (tag 18) over `claim` with a detached payload, padded to exactly `size` bytes. */
export function coseSign1(claim: Uint8Array, signer: ContentSigner, size: number): Uint8Array {
  const protectedHeader = encodeCbor(
    new CborMap([
      [1, -7],
      [33, signer.certificate.raw],
    ]),
  );
  const toBeSigned = encodeCbor(['Signature1', protectedHeader, new Uint8Array(0), claim]);
  const signature = sign('sha256', toBeSigned, { key: signer.key, dsaEncoding: 'ieee-p1363' });
  const encode = (pad: number): Buffer =>
    encodeCbor(new CborTag(18, [protectedHeader, new CborMap([['pad', new Uint8Array(pad)]]), null, signature]));
  // The pad's own length prefix grows at 24 and 256 bytes: step until the size is exact.
  let pad = Math.max(0, size - encode(0).length);
  let out = encode(pad);
  while (out.length > size && pad > 0) out = encode((pad -= Math.max(1, out.length - size)));
  while (out.length < size) out = encode((pad += 1));
  if (out.length !== size) throw new Error(`COSE_Sign1 of ${out.length} bytes does not fit the ${size} reserved`);
  return new Uint8Array(out);
}

/** What the manifest states beyond the ledger references. */
export interface CredentialsInput {
  bytes: Uint8Array;
  mediaType: string;
  title: string;
  references: LedgerReferences;
  /** The output's generation record digest, when one was registered. */
  generationDigest?: string;
}

/**
 * The output's bytes with a signed C2PA manifest embedded: `c2pa.actions` (created by a trained
 * model: digitalSourceType trainedAlgorithmicMedia, softwareAgent the model and its version,
 * parameters naming the training root and generation record) and the ledger references assertion.
 */
export async function embedCredentials(
  input: CredentialsInput,
  signer: ContentSigner,
  generator: { name: string; version: string },
): Promise<Uint8Array> {
  if (!CREDENTIAL_MEDIA_TYPES.has(input.mediaType)) throw new TypeError(`no Content Credentials for ${input.mediaType}`);
  const c2pa = await loadC2pa();
  const refs = input.references;
  const manifest = {
    claim_generator_info: [generator],
    title: input.title,
    format: input.mediaType,
    assertions: [
      {
        label: 'c2pa.actions.v2',
        data: {
          actions: [
            {
              action: 'c2pa.created',
              digitalSourceType: TRAINED_ALGORITHMIC_MEDIA,
              softwareAgent: { name: refs.modelId, ...(refs.modelVersion === undefined ? {} : { version: String(refs.modelVersion) }) },
              parameters: {
                ...(refs.trainingRoot === undefined ? {} : { 'org.kiseki.trainingRoot': refs.trainingRoot }),
                ...(input.generationDigest === undefined ? {} : { 'org.kiseki.generationDigest': input.generationDigest }),
              },
            },
          ],
        },
      },
      { label: LEDGER_ASSERTION, data: refs },
    ],
  };
  const settings = JSON.stringify({
    trust: { user_anchors: signer.caPem },
    verify: { verify_after_sign: true, verify_trust: true, ocsp_fetch: false, remote_manifest_fetch: false },
    builder: { thumbnail: { enabled: false } },
  });
  const builder = c2pa.WasmBuilder.fromJson(JSON.stringify(manifest), settings);
  try {
    const definition = {
      alg: 'es256',
      reserveSize: RESERVE,
      sign: (claim: Uint8Array): Promise<Uint8Array<ArrayBuffer>> =>
        Promise.resolve(coseSign1(claim, signer, RESERVE) as Uint8Array<ArrayBuffer>),
    };
    return await builder.sign(definition, [], input.mediaType, blobOf(input.bytes));
  } finally {
    builder.free();
  }
}
