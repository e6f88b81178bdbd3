import { parseGatewayMemory } from './bench-gateway';
import { Metrics } from './metrics';

describe('parseGatewayMemory', () => {
  test('when the gateway renders its metrics, then the heap in use and the external memory are read in MiB', async () => {
    const text = await new Metrics().render();
    const memory = parseGatewayMemory(text);
    const used = process.memoryUsage();
    expect(memory.heapUsedMiB).toBeGreaterThan(1);
    expect(memory.heapUsedMiB).toBeLessThan((2 * used.heapTotal) / 2 ** 20);
    expect(Number.isFinite(memory.externalMiB)).toBe(true);
    expect(memory.externalMiB).toBeGreaterThanOrEqual(0);
  });

  test('when a series is missing, then its figure is NaN and the other is still read', () => {
    const memory = parseGatewayMemory('# HELP x\nnodejs_heap_size_used_bytes 10485760\n');
    expect(memory.heapUsedMiB).toBe(10);
    expect(memory.externalMiB).toBeNaN();
  });
});
