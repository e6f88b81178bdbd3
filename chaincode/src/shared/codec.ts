/**
 * The one codec for state, events and returns: JSON with keys sorted at every depth, so every peer
 * produces the same bytes for the same record. `undefined` members are dropped; bigint is refused
 * (amounts travel as decimal strings).
 */
export function canonicalize(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') throw new TypeError('bigint must be encoded as a decimal string');
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('non-finite number');
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => canonicalize(item));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined) out[key] = canonicalize(member);
  }
  return out;
}

export function toJson(value: unknown): string {
  return JSON.stringify(canonicalize(value));
}

export function toBytes(value: unknown): Uint8Array {
  return Buffer.from(toJson(value), 'utf8');
}

/** Parses JSON bytes; the type is the caller's claim, so callers validate the result (records do, on every read). */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
export function fromBytes<T>(bytes: Uint8Array): T {
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}
