import { readFileSync } from 'node:fs';
import type * as C2pa from '@contentauth/c2pa-wasm' with { 'resolution-mode': 'import' };
import type { EvidenceBundle } from './bundle';
import { credentialsChecks, LEDGER_ASSERTION, stripPngManifest, type CredentialsReading, type LedgerReferences } from './credentials';
import { verifyBundle, type Report, type VerifyOptions } from './verify';

/**
 * Reads and validates a file's C2PA manifest with the C2PA reference implementation compiled to
 * WebAssembly (`@contentauth/c2pa-wasm`, an optional dependency: only this mode needs it). Node only.
 */

let loaded: Promise<typeof C2pa> | undefined;

/** The wasm module, instantiated once; fails with a clear message when the package is not installed. */
export function loadC2pa(): Promise<typeof C2pa> {
  loaded ??= (async () => {
    let wasmPath: string;
    try {
      wasmPath = require.resolve('@contentauth/c2pa-wasm/c2pa.wasm');
    } catch {
      throw new Error(
        'reading Content Credentials needs the optional dependency @contentauth/c2pa-wasm (npm install @contentauth/c2pa-wasm)',
      );
    }
    const c2pa = await import('@contentauth/c2pa-wasm');
    c2pa.initSync({ module: readFileSync(wasmPath) });
    return c2pa;
  })();
  return loaded;
}

interface ManifestJson {
  active_manifest?: string;
  manifests?: Record<
    string,
    { assertions?: { label: string; data: unknown }[]; signature_info?: { issuer?: string; common_name?: string } }
  >;
  validation_state?: string;
  validation_results?: { activeManifest?: { failure?: { code: string; explanation?: string }[] } };
  validation_status?: { code: string; explanation?: string }[];
}

/**
 * Reads the manifest embedded in `bytes` and validates it, trusting only `trustAnchorsPem` (the CA
 * certificates the signer must chain to). A file without a manifest reads as `Invalid` with the
 * reader's error.
 */
export async function readCredentials(
  bytes: Uint8Array,
  mediaType: string,
  trustAnchorsPem: readonly string[],
): Promise<CredentialsReading> {
  const c2pa = await loadC2pa();
  // An empty anchor list is left out: c2pa-rs refuses settings whose PEM bundle is empty.
  const trust = trustAnchorsPem.length === 0 ? {} : { trust: { user_anchors: trustAnchorsPem.join('\n') } };
  const settings = JSON.stringify({ ...trust, verify: { verify_trust: true, ocsp_fetch: false, remote_manifest_fetch: false } });
  let json: ManifestJson;
  try {
    const reader = await c2pa.WasmReader.fromBytes(mediaType, bytes, settings);
    json = JSON.parse(reader.json()) as ManifestJson;
    reader.free();
  } catch (error) {
    return { state: 'Invalid', failures: [{ code: 'manifest.unreadable', explanation: String(error) }] };
  }
  const failures = (json.validation_results?.activeManifest?.failure ?? json.validation_status ?? []).map((f) => ({
    code: f.code,
    explanation: f.explanation ?? '',
  }));
  const active = json.active_manifest === undefined ? undefined : json.manifests?.[json.active_manifest];
  const assertion = (label: string): unknown => active?.assertions?.find((a) => a.label === label)?.data;
  const references = assertion(LEDGER_ASSERTION) as LedgerReferences | undefined;
  const actions = (assertion('c2pa.actions.v2') ?? assertion('c2pa.actions')) as
    | { actions?: { action: string; digitalSourceType?: string; softwareAgent?: { name?: string; version?: string } | string }[] }
    | undefined;
  const created = actions?.actions?.find((a) => a.action === 'c2pa.created');
  const agent = created?.softwareAgent;
  const signer = active?.signature_info;
  return {
    state: json.validation_state ?? 'Invalid',
    failures,
    ...(references === undefined ? {} : { references }),
    ...(created === undefined
      ? {}
      : {
          created: {
            ...(created.digitalSourceType === undefined ? {} : { digitalSourceType: created.digitalSourceType }),
            ...(agent === undefined
              ? {}
              : { softwareAgent: typeof agent === 'string' ? agent : [agent.name, agent.version].filter(Boolean).join(' ') }),
          },
        }),
    ...(signer === undefined ? {} : { signer: [signer.common_name, signer.issuer].filter(Boolean).join(', issued by ') }),
  };
}

/** The media type of a file by its signature: PNG or JPEG, the formats outputs carry credentials in. */
function mediaTypeOf(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg';
  return undefined;
}

/**
 * Verifies an output file that carries Content Credentials against its evidence bundle: the manifest
 * validates with the owning org's CA from the bundle as the only trust anchor, its references name
 * the bundle's output, and the file without its manifest is the registered content (PNG); then the
 * bundle itself. One report: every check named, the verdict only when all pass.
 */
export async function verifyCredentialedFile(
  bundle: EvidenceBundle,
  file: Uint8Array,
  options: Omit<VerifyOptions, 'file'>,
): Promise<Report> {
  const mediaType = mediaTypeOf(file);
  if (mediaType === undefined) {
    return {
      ok: false,
      claim: bundle.claim,
      checks: [{ name: 'content credentials', ok: false, detail: 'the file is neither PNG nor JPEG' }],
      summary: 'NOT VERIFIED: the file is neither PNG nor JPEG',
    };
  }
  // The owner named in the manifest picks the anchor; the reading that counts trusts only that org's CA.
  const first = await readCredentials(file, mediaType, []);
  const owner = first.references?.ownerMsp;
  const msp = bundle.msps.find((m) => m.mspId === owner);
  const reading = msp === undefined ? first : await readCredentials(file, mediaType, [...msp.rootCerts, ...msp.intermediateCerts]);
  const credentials = credentialsChecks(reading, bundle);
  if (owner !== undefined && msp === undefined)
    credentials.push({
      name: 'credentials signer',
      ok: false,
      detail: `the manifest names ${owner}, which is not a member in the bundle's config block`,
    });
  const original = mediaType === 'image/png' ? stripPngManifest(file) : undefined;
  const report = await verifyBundle(bundle, { ...options, ...(original === undefined ? {} : { file: original }) });
  if (original === undefined)
    credentials.push({ name: 'file', ok: true, detail: `not re-hashed: the registered bytes are recovered from PNG files only` });
  const checks = [...credentials, ...report.checks];
  const ok = checks.every((c) => c.ok);
  const failed = checks.filter((c) => !c.ok);
  return {
    ok,
    claim: report.claim,
    checks,
    summary: ok
      ? `${report.summary}. The file carries Content Credentials signed under ${owner ?? '?'}'s CA that lead to this output`
      : `NOT VERIFIED: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`,
  };
}
