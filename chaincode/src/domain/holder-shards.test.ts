import { createHash } from 'node:crypto';

import { allShards, HOLDER_CREDIT_SHARDS, holderShard, shardAttribute } from './holder-shards';

describe('holder credit shards', () => {
  it('when a transaction ID is given, then its shard is the first byte of its SHA-256 mod 16, the same on every call', () => {
    const txId = 'b7c3e0d1f2a4958677aa1234567890abcdef1234567890abcdef1234567890ab';
    const first = createHash('sha256').update(txId).digest()[0] as number;
    expect(holderShard(txId)).toBe(first % 16);
    expect(holderShard(txId)).toBe(holderShard(txId));
  });

  it('when many transaction IDs are drawn, then every shard is used', () => {
    const seen = new Set(Array.from({ length: 400 }, (_, i) => holderShard(createHash('sha256').update(`tx-${i}`).digest('hex'))));
    expect([...seen].sort((a, b) => a - b)).toEqual(allShards());
  });

  it('when a shard becomes a key attribute, then it has two digits so keys sort in shard order; out of range is a programming error', () => {
    expect(HOLDER_CREDIT_SHARDS).toBe(16);
    expect(allShards().map(shardAttribute)).toEqual(allShards().map(shardAttribute).sort());
    expect(shardAttribute(0)).toBe('00');
    expect(shardAttribute(15)).toBe('15');
    expect(() => shardAttribute(16)).toThrow(/out of range/);
    expect(() => shardAttribute(-1)).toThrow(/out of range/);
    expect(() => shardAttribute(1.5)).toThrow(/out of range/);
  });
});
