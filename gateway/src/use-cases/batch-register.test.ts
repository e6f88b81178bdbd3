import { createHash } from 'node:crypto';
import { silentLogger } from '../logger';
import { Metrics } from '../metrics';
import { MemoryStore } from '../store/store';
import { ContractLedger } from '../testing/contract-ledger';
import { FakeVault } from '../testing/fake-vault';
import { ledgerReader } from '../ledger/client';
import { PackStore } from '../vault/packs';
import { BatchRegistrar, Slots, type BatchItem } from './batch-register';
import { Transactor } from './transactor';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

function registrar(ledger: ContractLedger, vault: FakeVault, slots?: Slots): BatchRegistrar {
  const metrics = new Metrics();
  return new BatchRegistrar(
    {
      vault,
      packs: new PackStore(vault, silentLogger),
      reader: ledgerReader(ledger),
      transactor: new Transactor(ledger, new MemoryStore(), metrics, silentLogger),
      metrics,
      logger: silentLogger,
      mspId: 'Studio1MSP',
      ...(slots === undefined ? {} : { slots }),
    },
    { clientId: 'c', role: 'studio-operator' },
    'req-1',
  );
}

const itemsOf = (prefix: string, n: number): BatchItem[] =>
  Array.from({ length: n }, (_, index) => {
    const bytes = Buffer.from(`${prefix}-content-${index}`);
    return {
      index,
      dataId: `${prefix}-${index}`,
      providerId: 'p1',
      termsId: 't1',
      mediaType: 'text/plain',
      size: bytes.length,
      contentDigest: sha256(bytes),
      bytes,
    };
  });

describe('BatchRegistrar', () => {
  test('when a chunk waits for its commit, then it holds no item bytes, and the items are read back from the pack', async () => {
    const ledger = new ContractLedger();
    await ledger.seed();
    const vault = new FakeVault();
    const items = itemsOf('m', 5);
    let heldDuringSubmit = -1;
    const submit = ledger.submit.bind(ledger);
    ledger.submit = (...args) => {
      heldDuringSubmit = items.filter((i) => i.bytes !== undefined).length;
      return submit(...args);
    };
    const chunks = registrar(ledger, vault);
    const results = await chunks.registerChunk(items);
    expect(heldDuringSubmit).toBe(0);
    expect(results.map((r) => r.status)).toEqual(Array(5).fill('registered'));
    const reader = new PackStore(vault, silentLogger);
    expect((await reader.read('m-3'))?.toString()).toBe('m-content-3');
  });

  test("when a chunk is packed, then the vault gets the items' own buffers, never one joined copy", async () => {
    const ledger = new ContractLedger();
    await ledger.seed();
    const vault = new FakeVault();
    const items = itemsOf('j', 4);
    const buffers = items.map((item) => item.bytes);
    const written: (Buffer | readonly Buffer[])[] = [];
    const put = vault.put.bind(vault);
    vault.put = (key, bytes, contentType) => {
      if (key.endsWith('.bin')) written.push(bytes);
      return put(key, bytes, contentType);
    };
    const results = await registrar(ledger, vault).registerChunk(items);
    expect(results.map((r) => r.status)).toEqual(Array(4).fill('registered'));
    expect(written).toHaveLength(1);
    const [pack] = written;
    expect(Buffer.isBuffer(pack)).toBe(false);
    // The same objects (identity, not equal bytes): a pack costs no copy of its items in the gateway.
    (pack as readonly Buffer[]).forEach((part, i) => {
      expect(part).toBe(buffers[i]);
    });
    expect((await new PackStore(vault, silentLogger).read('j-2'))?.toString()).toBe('j-content-2');
  });

  test('when a chunk is partly refused, then the pack is rewritten from the vault with the registered items only', async () => {
    const ledger = new ContractLedger();
    await ledger.seed();
    await ledger.registerData(['r-2']);
    const vault = new FakeVault();
    const results = await registrar(ledger, vault).registerChunk(itemsOf('r', 4));
    expect(results.map((r) => r.status)).toEqual(['registered', 'registered', 'duplicate', 'registered']);
    const reader = new PackStore(vault, silentLogger);
    expect(await reader.packedIds()).toEqual(['r-0', 'r-1', 'r-3']);
    expect((await reader.read('r-3'))?.toString()).toBe('r-content-3');
    expect(await reader.read('r-2')).toBeUndefined();
  });

  test('when several requests register chunks at once, then no more than the slots are at the ledger', async () => {
    const ledger = new ContractLedger();
    await ledger.seed();
    const vault = new FakeVault();
    let atLedger = 0;
    let most = 0;
    const slow = ledger.submit.bind(ledger);
    ledger.submit = async (...args) => {
      atLedger += 1;
      most = Math.max(most, atLedger);
      const result = await slow(...args);
      await new Promise((resolve) => setTimeout(resolve, 5));
      atLedger -= 1;
      return result;
    };
    const slots = new Slots(2);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, r) => registrar(ledger, vault, slots).registerChunk(itemsOf(`s${r}`, 3))),
    );
    expect(results.flat().every((r) => r.status === 'registered')).toBe(true);
    expect(most).toBe(2);
  });
});
