import type { ChaincodeStub } from 'fabric-shim-api';

import { decodeGetStateMultipleResult, encodeGetStateMultiple, encodeWriteBatch, getStates, putStates, unbatchedCalls } from './peer-batch';

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

describe('batched state access', () => {
  const plainStub = (): ChaincodeStub & { calls: string[] } => {
    const calls: string[] = [];
    const stub = {
      calls,
      getState: (key: string) => {
        calls.push(`get ${key}`);
        return Promise.resolve(Buffer.from(key));
      },
      putState: (key: string) => {
        calls.push(`put ${key}`);
        return Promise.resolve();
      },
      deleteState: (key: string) => {
        calls.push(`del ${key}`);
        return Promise.resolve();
      },
    };
    return stub as unknown as ChaincodeStub & { calls: string[] };
  };

  it('when the stub has no shim handler, then many keys go one call each and the fallback is counted', async () => {
    const before = unbatchedCalls()['no-shim-handler'];
    const stub = plainStub();
    const values = await getStates(stub, ['a', 'b']);
    await putStates(stub, [
      { key: 'a', value: Buffer.from('1') },
      { key: 'b', value: undefined },
    ]);
    expect(values.map((v) => Buffer.from(v).toString())).toEqual(['a', 'b']);
    expect(stub.calls).toEqual(['get a', 'get b', 'put a', 'del b']);
    expect(unbatchedCalls()['no-shim-handler']).toBe(before + 2);
  });

  it('when one key is read or written, then no fallback is counted', async () => {
    const before = unbatchedCalls()['no-shim-handler'];
    const stub = plainStub();
    await getStates(stub, ['a']);
    await putStates(stub, [{ key: 'a', value: Buffer.from('1') }]);
    expect(unbatchedCalls()['no-shim-handler']).toBe(before);
  });

  it('when the stub has a shim handler, then many keys go in one batched message and nothing is counted', async () => {
    const before = unbatchedCalls();
    const asked: string[] = [];
    const result = new peer.GetStateMultipleResult();
    result.setValuesList([Buffer.from('x'), Buffer.from('')]);
    const stub = Object.assign(plainStub(), {
      getTxID: () => 'tx-1',
      getChannelID: () => 'kiseki',
      handler: {
        _askPeerAndListen: (_msg: unknown, method: string) => {
          asked.push(method);
          return Promise.resolve(method === 'GetStateMultiple' ? result.serializeBinary() : Buffer.alloc(0));
        },
      },
    });
    const values = await getStates(stub, ['a', 'b']);
    await putStates(stub, [
      { key: 'a', value: Buffer.from('1') },
      { key: 'b', value: undefined },
    ]);
    expect(values.map((v) => Buffer.from(v).toString())).toEqual(['x', '']);
    expect(asked).toEqual(['GetStateMultiple', 'WriteBatchState']);
    expect(stub.calls).toEqual([]);
    expect(unbatchedCalls()).toEqual(before);
  });
});
