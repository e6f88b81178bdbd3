import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { silentLogger } from '../logger';
import { crc32Header, gathered, MinioVault } from './minio-vault';

describe('gathered (the writes of a many-part PUT)', () => {
  test('when 1,000 parts of 10 KiB are gathered, then the writes hold the same bytes in order, each of 64 KiB or a part more', () => {
    const parts = Array.from({ length: 1000 }, () => randomBytes(10 * 1024));
    const writes = [...gathered(parts)];
    expect(Buffer.concat(writes).equals(Buffer.concat(parts))).toBe(true);
    expect(writes).toHaveLength(143);
    for (const write of writes.slice(0, -1)) {
      expect(write.length).toBeGreaterThanOrEqual(64 * 1024);
      expect(write.length).toBeLessThan(74 * 1024);
    }
  });

  test('when parts lie one after another in memory, then they go as one view of it, without a copy', () => {
    const slab = randomBytes(1024 * 1024);
    const parts = Array.from({ length: 100 }, (_, i) => slab.subarray(i * 10_240, (i + 1) * 10_240));
    const writes = [...gathered(parts)];
    expect(writes).toHaveLength(1);
    expect(writes[0]?.buffer).toBe(slab.buffer);
    expect(writes[0]?.equals(slab.subarray(0, 1_024_000))).toBe(true);
  });

  test('when a part is larger than a write, then it goes as it is, between the gathered neighbours', () => {
    const small = randomBytes(100);
    const large = randomBytes(100 * 1024);
    const writes = [...gathered([small, large, small])];
    expect(writes).toHaveLength(3);
    expect(writes[1]).toBe(large);
    expect(Buffer.concat(writes).equals(Buffer.concat([small, large, small]))).toBe(true);
  });

  test('when there are no parts, then nothing is written', () => {
    expect([...gathered([])]).toEqual([]);
  });
});

describe('crc32Header', () => {
  test("when a body's CRC32 is given, then the header holds its four big-endian bytes in base64", () => {
    // CRC32 of "hello world" is 0x0d4a1185.
    expect(crc32Header(0x0d4a1185)).toBe('DUoRhQ==');
    expect(crc32Header(0xffffffff)).toBe('/////w==');
  });
});

describe('MinioVault.put against a vault that answers 503', () => {
  test('when a many-part PUT is refused, then it fails at once as UNAVAILABLE, without sending the read body again', async () => {
    let requests = 0;
    const server = createServer((req, res) => {
      requests += 1;
      req.resume();
      req.on('end', () => {
        res.writeHead(503, { 'Content-Type': 'application/xml' });
        res.end('<Error><Code>SlowDown</Code><Message>busy</Message></Error>');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const vault = new MinioVault({
        endpoint: `http://127.0.0.1:${port}`,
        accessKey: 'key',
        secretKey: 'secret-secret',
        bucket: 'bucket',
        region: 'us-east-1',
        serverSideEncryption: 'none',
        partSizeBytes: 5 * 1024 * 1024,
        logger: silentLogger,
      });
      const parts = Array.from({ length: 20 }, () => randomBytes(10 * 1024));
      const started = Date.now();
      await expect(vault.put('packs/p.bin', parts, 'application/octet-stream')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(requests).toBe(1);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
