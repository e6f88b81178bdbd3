/**
 * The little CBOR (RFC 8949) a COSE_Sign1 needs: unsigned and negative integers, byte and text strings,
 * arrays, maps (in the order given), null and tags. Definite lengths only, as COSE requires.
 */
export type CborValue = number | string | Uint8Array | null | readonly CborValue[] | CborMap | CborTag;
export class CborMap {
  constructor(readonly entries: readonly (readonly [number | string, CborValue])[]) {}
}
export class CborTag {
  constructor(
    readonly tag: number,
    readonly value: CborValue,
  ) {}
}

function head(major: number, n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`CBOR length or value out of range: ${n}`);
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) {
    const b = Buffer.alloc(3);
    b[0] = (major << 5) | 25;
    b.writeUInt16BE(n, 1);
    return b;
  }
  if (n < 0x100000000) {
    const b = Buffer.alloc(5);
    b[0] = (major << 5) | 26;
    b.writeUInt32BE(n, 1);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = (major << 5) | 27;
  b.writeBigUInt64BE(BigInt(n), 1);
  return b;
}

/** Encodes one value. */
export function encodeCbor(value: CborValue): Buffer {
  if (value === null) return Buffer.from([0xf6]);
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new TypeError('only integers are encoded');
    return value >= 0 ? head(0, value) : head(1, -1 - value);
  }
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value]);
  if (value instanceof CborMap)
    return Buffer.concat([head(5, value.entries.length), ...value.entries.flatMap(([k, v]) => [encodeCbor(k), encodeCbor(v)])]);
  if (value instanceof CborTag) return Buffer.concat([head(6, value.tag), encodeCbor(value.value)]);
  return Buffer.concat([head(4, value.length), ...value.map(encodeCbor)]);
}
