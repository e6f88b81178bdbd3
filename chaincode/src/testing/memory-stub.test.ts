// First: it quiets fabric-contract-api's decorator logging before the contract-api loads.
import { KeyStore, MemoryLedger, type MemoryStub, policyMembers } from './memory-stub';

import { Context, Contract, Transaction } from 'fabric-contract-api';

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

async function drain(iterator: { next(): Promise<{ done: boolean; value: { key: string } }>; close(): Promise<void> }): Promise<string[]> {
  const keys: string[] = [];
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) keys.push(next.value.key);
  await iterator.close();
  return keys;
}

async function committed(ledger: MemoryLedger, write: (stub: MemoryStub) => Promise<void>, mspId = 'Org1MSP'): Promise<MemoryStub> {
  const stub = ledger.begin(mspId);
  await write(stub);
  ledger.commit(stub);
  return stub;
}

class SampleContract extends Contract {
  constructor() {
    super('sample');
  }

  @Transaction()
  async Put(ctx: Context, key: string, value: string): Promise<string> {
    await ctx.stub.putState(key, Buffer.from(value));
    ctx.stub.setEvent('Put', Buffer.from(JSON.stringify({ key })));
    return JSON.stringify({ key, value });
  }

  @Transaction()
  async PutThenFail(ctx: Context, key: string): Promise<void> {
    await ctx.stub.putState(key, Buffer.from('x'));
    ctx.stub.setEvent('Put', Buffer.from('{}'));
    throw new Error('STATE: refused after writing');
  }

  @Transaction()
  async TwoEvents(ctx: Context): Promise<void> {
    await ctx.stub.putState('k', Buffer.from('v'));
    ctx.stub.setEvent('A', Buffer.from('{}'));
    ctx.stub.setEvent('B', Buffer.from('{}'));
  }

  @Transaction(false)
  async Read(ctx: Context, key: string): Promise<string> {
    return Buffer.from(await ctx.stub.getState(key)).toString('utf8');
  }

  @Transaction(false)
  async WriteInRead(ctx: Context): Promise<void> {
    await ctx.stub.putState('k', Buffer.from('v'));
  }

  notATransaction(): string {
    return 'no';
  }
}

describe('MemoryLedger and MemoryStub', () => {
  it('when a key is missing, then it reads as empty bytes', async () => {
    const stub = new MemoryLedger().begin('Org1MSP');
    expect((await stub.getState('nothing')).length).toBe(0);
  });

  it('when a transaction writes, then it does not see its own writes until committed', async () => {
    const ledger = new MemoryLedger();
    const stub = ledger.begin('Org1MSP');
    await stub.putState('a', Buffer.from('1'));
    expect((await stub.getState('a')).length).toBe(0);
    ledger.commit(stub);
    expect(text(await ledger.begin('Org1MSP').getState('a'))).toBe('1');
  });

  it('when empty bytes are written, then the key is deleted', async () => {
    const ledger = new MemoryLedger();
    await committed(ledger, (stub) => stub.putState('a', Buffer.from('1')));
    await committed(ledger, (stub) => stub.putState('a', Buffer.alloc(0)));
    expect(ledger.getState('a')).toBeUndefined();
  });

  it('when ranging, then keys come in UTF-8 byte order, not UTF-16 order', async () => {
    const ledger = new MemoryLedger();
    // U+FF5E sorts before U+1F600 in UTF-8 (and code points) but after it in UTF-16 code units.
    const keys = ['b', 'a', '\u{1F600}', '\uFF5E', 'a0', 'A'];
    await committed(ledger, async (stub) => {
      for (const key of keys) await stub.putState(key, Buffer.from('v'));
    });
    const all = await drain(await ledger.begin('Org1MSP').getStateByRange('', ''));
    expect(all).toEqual(['A', 'a', 'a0', 'b', '\uFF5E', '\u{1F600}']);
    const some = await drain(await ledger.begin('Org1MSP').getStateByRange('a', 'b'));
    expect(some).toEqual(['a', 'a0']);
  });

  it('when a range query names a composite key, then it is refused like the shim does', async () => {
    const stub = new MemoryLedger().begin('Org1MSP');
    await expect(stub.getStateByRange('\u0000x', '')).rejects.toThrow(/null character/);
  });

  it('when querying by partial composite key with pagination, then pages follow with the next key as bookmark', async () => {
    const ledger = new MemoryLedger();
    await committed(ledger, async (stub) => {
      for (const id of ['d3', 'd1', 'd2', 'd10']) await stub.putState(stub.createCompositeKey('idx', ['p1', id]), Buffer.from([0]));
      await stub.putState(stub.createCompositeKey('idx', ['p2', 'd0']), Buffer.from([0]));
      await stub.putState(stub.createCompositeKey('idx', ['p10', 'd0']), Buffer.from([0]));
    });
    const first = await ledger.begin('Org1MSP').getStateByPartialCompositeKeyWithPagination('idx', ['p1'], 3, '');
    const firstKeys = await drain(first.iterator);
    const stub = ledger.begin('Org1MSP');
    expect(firstKeys.map((key) => stub.splitCompositeKey(key).attributes[1])).toEqual(['d1', 'd10', 'd2']);
    expect(first.metadata).toEqual({ fetchedRecordsCount: 3, bookmark: stub.createCompositeKey('idx', ['p1', 'd3']) });
    const second = await ledger.begin('Org1MSP').getStateByPartialCompositeKeyWithPagination('idx', ['p1'], 3, first.metadata.bookmark);
    expect((await drain(second.iterator)).map((key) => stub.splitCompositeKey(key).attributes[1])).toEqual(['d3']);
    expect(second.metadata.bookmark).toBe('');
  });

  it('when the results are iterated with for await, then the shim-style async iterator works', async () => {
    const ledger = new MemoryLedger();
    await committed(ledger, async (stub) => {
      await stub.putState(stub.createCompositeKey('t', ['a']), Buffer.from('1'));
      await stub.putState(stub.createCompositeKey('t', ['b']), Buffer.from('2'));
    });
    const values: string[] = [];
    for await (const kv of ledger.begin('Org1MSP').getStateByPartialCompositeKey('t', [])) values.push(text(kv.value));
    expect(values).toEqual(['1', '2']);
  });

  it('when a transaction ran a paginated query, then it may not write, and the reverse', async () => {
    const ledger = new MemoryLedger();
    const reader = ledger.begin('Org1MSP');
    await reader.getStateByPartialCompositeKeyWithPagination('t', [], 10, '');
    await expect(reader.putState('k', Buffer.from('v'))).rejects.toThrow(/paginated query/);
    const writer = ledger.begin('Org1MSP');
    await writer.putState('k', Buffer.from('v'));
    await expect(writer.getStateByPartialCompositeKeyWithPagination('t', [], 10, '')).rejects.toThrow(/read-only/);
  });

  it('when a key changes over transactions, then its history comes newest first with tx ids and times', async () => {
    const ledger = new MemoryLedger({ startTime: '2025-03-01T00:00:00Z', tickMs: 60_000 });
    const one = await committed(ledger, (stub) => stub.putState('k', Buffer.from('1')));
    const two = await committed(ledger, (stub) => stub.deleteState('k'));
    const history: { txId: string; isDelete: boolean; value: string; seconds: string }[] = [];
    for await (const m of ledger.begin('Org1MSP').getHistoryForKey('k')) {
      history.push({ txId: m.txId, isDelete: m.isDelete, value: text(m.value), seconds: m.timestamp.seconds.toString() });
    }
    expect(history).toEqual([
      { txId: two.getTxID(), isDelete: true, value: '', seconds: String(Date.parse('2025-03-01T00:01:00Z') / 1000) },
      { txId: one.getTxID(), isDelete: false, value: '1', seconds: String(Date.parse('2025-03-01T00:00:00Z') / 1000) },
    ]);
  });

  it('when the clock is set or a timestamp given, then the stub reports it', () => {
    const ledger = new MemoryLedger();
    ledger.setTime('2026-01-02T03:04:05.678Z');
    const stub = ledger.begin('Org1MSP');
    expect(stub.getDateTimestamp().toISOString()).toBe('2026-01-02T03:04:05.678Z');
    expect(stub.getTxTimestamp().nanos).toBe(678_000_000);
    expect(ledger.begin('Org1MSP', { timestamp: '2020-01-01T00:00:00Z', txId: 'tx-1' }).getTxID()).toBe('tx-1');
  });

  describe('private data', () => {
    const collections = [{ name: 'secret', policy: "OR('Org1MSP.member', 'Org2MSP.member')", memberOnlyRead: true, memberOnlyWrite: true }];

    it('when a member writes, then members read it, the hash is public, and non-members are refused', async () => {
      const ledger = new MemoryLedger({ collections });
      await committed(ledger, (stub) => stub.putPrivateData('secret', 'k', Buffer.from('v')));
      expect(text(await ledger.begin('Org2MSP').getPrivateData('secret', 'k'))).toBe('v');
      expect(Buffer.from(await ledger.begin('Org3MSP').getPrivateDataHash('secret', 'k')).toString('hex')).toBe(
        '4c94485e0c21ae6c41ce1dfe7b6bfaceea5ab68e40a2476f50208e526f506080',
      );
      await expect(ledger.begin('Org3MSP').getPrivateData('secret', 'k')).rejects.toThrow(/read access/);
      await expect(ledger.begin('Org3MSP').putPrivateData('secret', 'k', Buffer.from('w'))).rejects.toThrow(/write access/);
      await expect(ledger.begin('Org1MSP').getPrivateData('nope', 'k')).rejects.toThrow(/could not be found/);
    });

    it('when transient data is given, then the stub hands it over as bytes', () => {
      const stub = new MemoryLedger().begin('Org1MSP', { transient: { a: 'text', b: { z: 1, a: 2 } } });
      expect(text(stub.getTransient().get('a') as Uint8Array)).toBe('text');
      expect(text(stub.getTransient().get('b') as Uint8Array)).toBe('{"a":2,"z":1}');
    });

    it('reads the members of a signature policy', () => {
      expect([...policyMembers("OR('A.member', AND('B.peer','C.admin'))")]).toEqual(['A', 'B', 'C']);
    });
  });

  it('when a validation parameter is set, then it is stored per key and read back after commit', async () => {
    const ledger = new MemoryLedger();
    await committed(ledger, (stub) => stub.setStateValidationParameter('k', Buffer.from('policy')));
    expect(text(await ledger.begin('Org1MSP').getStateValidationParameter('k'))).toBe('policy');
  });

  it('creates and splits composite keys exactly like fabric-shim', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ShimStub = require('fabric-shim/lib/stub.js') as {
      prototype: { createCompositeKey(t: string, a: string[]): string; splitCompositeKey(k: string): unknown };
    };
    const stub = new MemoryLedger().begin('Org1MSP');
    const key = stub.createCompositeKey('usage', ['d-1', 'm-2']);
    expect(key).toBe(ShimStub.prototype.createCompositeKey('usage', ['d-1', 'm-2']));
    expect(stub.splitCompositeKey(key)).toEqual(ShimStub.prototype.splitCompositeKey(key));
  });

  describe('invoke', () => {
    const contract = new SampleContract();

    it('when a submit succeeds, then its writes are committed and its event and result returned', async () => {
      const ledger = new MemoryLedger();
      const out = await ledger.invoke(contract, 'Put', 'Org1MSP', ['k', 'v']);
      expect(out.submitted).toBe(true);
      expect(out.result).toEqual({ key: 'k', value: 'v' });
      expect(out.event).toEqual({ name: 'Put', payload: { key: 'k' } });
      expect(out.eventCount).toBe(1);
      expect(ledger.getState('k')).toEqual(Buffer.from('v'));
      expect((await ledger.invoke(contract, 'Read', 'Org2MSP', ['k'])).result).toBe('v');
    });

    it('when a submit fails after writing, then nothing changes', async () => {
      const ledger = new MemoryLedger();
      const before = ledger.dump();
      await expect(ledger.invoke(contract, 'PutThenFail', 'Org1MSP', ['k'])).rejects.toThrow(/^STATE: refused/);
      expect(ledger.dump()).toBe(before);
    });

    it('when a submit emits two events, then invoke reports it', async () => {
      await expect(new MemoryLedger().invoke(contract, 'TwoEvents', 'Org1MSP')).rejects.toThrow(/exactly one event/);
    });

    it('when an evaluate-only transaction writes, then invoke reports it and commits nothing', async () => {
      const ledger = new MemoryLedger();
      await expect(ledger.invoke(contract, 'WriteInRead', 'Org1MSP')).rejects.toThrow(/evaluate-only/);
      expect(ledger.getState('k')).toBeUndefined();
    });

    it('when the function is not a transaction or the arguments do not match, then invoke refuses', async () => {
      const ledger = new MemoryLedger();
      await expect(ledger.invoke(contract, 'notATransaction', 'Org1MSP')).rejects.toThrow(/declares no transaction/);
      await expect(ledger.invoke(contract, 'Put', 'Org1MSP', ['k'])).rejects.toThrow(/Expected 2 parameters/);
    });

    it('when the same transactions run on two ledgers, then the write sets are byte-identical', async () => {
      const a = await new MemoryLedger().invoke(contract, 'Put', 'Org1MSP', ['k', 'v']);
      const b = await new MemoryLedger().invoke(contract, 'Put', 'Org1MSP', ['k', 'v']);
      expect(a.writeSetBytes).toBe(b.writeSetBytes);
      expect(a.txId).toBe(b.txId);
    });
  });
});

describe('KeyStore', () => {
  it('keeps keys ordered and live across deletes, re-writes and queries', () => {
    const store = new KeyStore();
    const v = Buffer.from('v');
    for (const key of ['c', 'a', 'b']) store.set(key, v);
    expect(store.keys()).toEqual(['a', 'b', 'c']);
    store.set('b', null);
    store.set('d', v);
    store.set('b', v);
    store.set('a', null);
    expect(store.keys()).toEqual(['b', 'c', 'd']);
    expect(store.range('b', 'd')).toEqual(['b', 'c']);
    expect(store.size).toBe(3);
  });
});
