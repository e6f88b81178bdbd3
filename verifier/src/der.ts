/** A minimal DER reader: enough of ASN.1 to take X.509 certificates apart. */

export interface DerNode {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the content. */
  end: number;
}

/** @throws Error on truncated or indefinite-length input. */
export function readNode(bytes: Uint8Array, offset: number): DerNode {
  const tag = bytes[offset];
  let lengthByte = bytes[offset + 1];
  if (tag === undefined || lengthByte === undefined) throw new Error('DER: truncated');
  let at = offset + 2;
  let length = lengthByte;
  if (lengthByte & 0x80) {
    const count = lengthByte & 0x7f;
    if (count === 0 || count > 4) throw new Error('DER: unsupported length');
    length = 0;
    for (let i = 0; i < count; i += 1) {
      lengthByte = bytes[at + i];
      if (lengthByte === undefined) throw new Error('DER: truncated');
      length = length * 256 + lengthByte;
    }
    at += count;
  }
  const end = at + length;
  if (end > bytes.length) throw new Error('DER: truncated');
  return { tag, start: offset, contentStart: at, end };
}

/** The nodes directly inside a constructed node. */
export function childrenOf(bytes: Uint8Array, node: DerNode): DerNode[] {
  const out: DerNode[] = [];
  for (let at = node.contentStart; at < node.end;) {
    const child = readNode(bytes, at);
    out.push(child);
    at = child.end;
  }
  return out;
}

export const whole = (bytes: Uint8Array, node: DerNode): Uint8Array => bytes.subarray(node.start, node.end);
export const content = (bytes: Uint8Array, node: DerNode): Uint8Array => bytes.subarray(node.contentStart, node.end);
