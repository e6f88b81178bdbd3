import { sleep } from '@kiseki/network/dist/retry';

/**
 * Work that outlives the call that started it (a log write off the response path, a delivery loop),
 * so that shutdown can wait for it before closing the store it uses.
 */
export class PendingWork {
  readonly #pending = new Set<Promise<unknown>>();

  /** Tracks `work` until it settles; returns it unchanged. */
  track<T>(work: Promise<T>): Promise<T> {
    this.#pending.add(work);
    const forget = (): void => {
      this.#pending.delete(work);
    };
    work.then(forget, forget);
    return work;
  }

  /** Tracks work the caller runs itself, until it calls the function returned. */
  hold(): () => void {
    let release!: () => void;
    void this.track(new Promise<void>((resolve) => (release = resolve)));
    return release;
  }

  /** Resolves once everything tracked has settled, or after `graceMs`, whichever comes first. */
  async settle(graceMs: number): Promise<void> {
    await Promise.race([Promise.allSettled([...this.#pending]), sleep(graceMs, undefined, { unref: true })]);
  }
}
