import { PendingWork } from './pending-work';

describe('PendingWork', () => {
  test('when tracked work is still running, then settle waits for it, failed work included', async () => {
    const pending = new PendingWork();
    let finished = false;
    void pending.track(new Promise<void>((resolve) => setTimeout(resolve, 50)).then(() => (finished = true)));
    pending.track(Promise.reject(new Error('lost'))).catch(() => undefined);
    await pending.settle(5_000);
    expect(finished).toBe(true);
  });

  test('when tracked work never ends, then settle gives up after its grace', async () => {
    const pending = new PendingWork();
    void pending.track(new Promise(() => undefined));
    const started = Date.now();
    await pending.settle(100);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
