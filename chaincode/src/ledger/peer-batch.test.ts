import { decodeGetStateMultipleResult, encodeGetStateMultiple, encodeWriteBatch } from './peer-batch';

// fabric-gateway's newer protos package has the Fabric 3.1 messages: an independent codec to check ours.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { peer } = require(
  require.resolve('@hyperledger/fabric-protos', {
    paths: [require.resolve('@hyperledger/fabric-gateway')],
  }),
) as { peer: Fabric31Protos };

/** The slice of fabric-protos ≥ 0.3 used here (the chaincode's own protos types predate these messages). */
interface Fabric31Protos {
  GetStateMultiple: { deserializeBinary(b: Uint8Array): { getKeysList(): string[]; getCollection(): string } };
  WriteBatchState: {
    deserializeBinary(b: Uint8Array): { getRecList(): { getKey(): string; getType(): number; getValue_asU8(): Uint8Array }[] };
  };
  WriteRecord: { Type: { PUT_STATE: number; DEL_STATE: number } };
  GetStateMultipleResult: new () => { setValuesList(v: Uint8Array[]): void; serializeBinary(): Uint8Array };
}
describe('batched chaincode messages', () => {
  it('when keys are encoded, then Fabric 3.1 protos decode the same keys and collection', () => {
    const keys = ['\u0000data\u0000d-1\u0000', 'plain', 'ünïcode-键', ''];
    const decoded = peer.GetStateMultiple.deserializeBinary(encodeGetStateMultiple(keys, 'coll'));
    expect(decoded.getKeysList()).toEqual(keys);
    expect(decoded.getCollection()).toBe('coll');
  });

  it('when writes are encoded, then puts and deletes decode with their types and bytes', () => {
    const value = Buffer.from(JSON.stringify({ a: 1 }));
    const big = Buffer.alloc(300, 7);
    const decoded = peer.WriteBatchState.deserializeBinary(
      encodeWriteBatch([
        { key: 'k1', value },
        { key: 'k2', value: undefined },
        { key: 'k3', value: big },
      ]),
    );
    const recs = decoded.getRecList();
    expect(recs.map((r) => [r.getKey(), r.getType()])).toEqual([
      ['k1', peer.WriteRecord.Type.PUT_STATE],
      ['k2', peer.WriteRecord.Type.DEL_STATE],
      ['k3', peer.WriteRecord.Type.PUT_STATE],
    ]);
    expect(Buffer.from(recs[0]?.getValue_asU8() ?? new Uint8Array(0))).toEqual(value);
    expect(Buffer.from(recs[2]?.getValue_asU8() ?? new Uint8Array(0))).toEqual(big);
  });

  it('when the peer answers, then values come back in order with empty ones for absent keys', () => {
    const result = new peer.GetStateMultipleResult();
    result.setValuesList([Buffer.from('one'), new Uint8Array(0), Buffer.alloc(200, 1)]);
    const values = decodeGetStateMultipleResult(result.serializeBinary());
    expect(values.map((v) => v.length)).toEqual([3, 0, 200]);
    expect(Buffer.from(values[0] ?? new Uint8Array(0)).toString()).toBe('one');
  });

  it('when the answer is truncated, then decoding fails instead of returning short data', () => {
    const result = new peer.GetStateMultipleResult();
    result.setValuesList([Buffer.from('hello')]);
    const bytes = result.serializeBinary();
    expect(() => decodeGetStateMultipleResult(bytes.subarray(0, bytes.length - 2))).toThrow(/truncated/);
  });
});
