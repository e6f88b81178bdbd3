/**
 * Leases: a named piece of work (one webhook's delivery loop) is done by one gateway replica at a time.
 * A replica takes a lease for a time-to-live and renews it while it works; when it stops renewing (it
 * died, or lost its database), the lease expires and another replica takes it over. Expiry is judged by
 * the store's clock alone (the database's `now()`), so replicas need not agree on the time.
 */
export interface LeaseStore {
  /**
   * Takes the lease `name` for `holder`, or renews it when `holder` already has it, until `ttlMs` from
   * now. False when another holder's lease has not expired yet.
   */
  acquire(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up now (only when `holder` has it), so another replica may take it at once. */
  release(name: string, holder: string): Promise<void>;
}

/** {@link LeaseStore} for one process (file or memory store): leases live in memory, on this process's clock. */
export class LocalLeases implements LeaseStore {
  readonly #leases = new Map<string, { holder: string; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  acquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const current = this.#leases.get(name);
    if (current !== undefined && current.holder !== holder && current.expiresAt > this.now()) return Promise.resolve(false);
    this.#leases.set(name, { holder, expiresAt: this.now() + ttlMs });
    return Promise.resolve(true);
  }

  release(name: string, holder: string): Promise<void> {
    if (this.#leases.get(name)?.holder === holder) this.#leases.delete(name);
    return Promise.resolve();
  }
}
