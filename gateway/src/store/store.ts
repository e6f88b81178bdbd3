import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';

/**
 * The gateway's small local state (idempotency records, transaction log, webhook registrations), as
 * JSON documents in namespaces. One process per org keeps it in its state dir; several replicas of one
 * org's gateway would share a database instead (docs/gateway.md), behind this same interface.
 */
export interface DocumentStore {
  /** The document under `key` (the caller names its type; documents are its own JSON). */
  get<T = unknown>(namespace: string, key: string): Promise<T | undefined>;
  /** Writes (replaces) a document atomically. */
  put(namespace: string, key: string, value: unknown): Promise<void>;
  /** Writes only when the key is absent; false when it already exists. Atomic across processes. */
  create(namespace: string, key: string, value: unknown): Promise<boolean>;
  delete(namespace: string, key: string): Promise<void>;
  /** Every document of a namespace, in key order. */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names its documents' type
  list<T>(namespace: string): Promise<{ key: string; value: T }[]>;
  /**
   * Deletes the documents of a namespace last written more than `ageMs` ago, without reading them;
   * returns how many. Optional: stores whose listing is cheap leave the sweep to the caller.
   */
  deleteOlderThan?(namespace: string, ageMs: number): Promise<number>;
}

/** File names are digests of keys, so any key is safe; the key itself is kept inside the document. */
function fileName(key: string): string {
  return `${createHash('sha256').update(key).digest('hex')}.json`;
}

interface Envelope {
  key: string;
  value: unknown;
}

/** {@link DocumentStore} as one JSON file per document under `root/<namespace>/`. */
export class FileStore implements DocumentStore {
  readonly #made = new Set<string>();

  constructor(private readonly root: string) {}

  async #dir(namespace: string): Promise<string> {
    const dir = join(this.root, namespace);
    if (!this.#made.has(dir)) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      this.#made.add(dir);
    }
    return dir;
  }

  async get<T>(namespace: string, key: string): Promise<T | undefined> {
    try {
      const text = await readFile(join(await this.#dir(namespace), fileName(key)), 'utf8');
      return (JSON.parse(text) as Envelope).value as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async put(namespace: string, key: string, value: unknown): Promise<void> {
    const dir = await this.#dir(namespace);
    const temp = join(dir, `.${randomBytes(8).toString('hex')}.tmp`);
    await writeFile(temp, JSON.stringify({ key, value } satisfies Envelope));
    await rename(temp, join(dir, fileName(key)));
  }

  async create(namespace: string, key: string, value: unknown): Promise<boolean> {
    const path = join(await this.#dir(namespace), fileName(key));
    let handle;
    try {
      handle = await open(path, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
    try {
      await handle.writeFile(JSON.stringify({ key, value } satisfies Envelope));
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  }

  async delete(namespace: string, key: string): Promise<void> {
    await rm(join(await this.#dir(namespace), fileName(key)), { force: true });
  }

  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- as in DocumentStore
  async list<T>(namespace: string): Promise<{ key: string; value: T }[]> {
    const dir = await this.#dir(namespace);
    const out: { key: string; value: T }[] = [];
    for (const name of await readdir(dir)) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      try {
        const envelope = JSON.parse(await readFile(join(dir, name), 'utf8')) as Envelope;
        out.push({ key: envelope.key, value: envelope.value as T });
      } catch {
        // A document being created right now may be empty for an instant; skip it.
      }
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}

/** {@link DocumentStore} in memory (tests, throwaway runs). */
export class MemoryStore implements DocumentStore {
  readonly #data = new Map<string, Map<string, string>>();

  #ns(namespace: string): Map<string, string> {
    let ns = this.#data.get(namespace);
    if (ns === undefined) {
      ns = new Map();
      this.#data.set(namespace, ns);
    }
    return ns;
  }

  get<T>(namespace: string, key: string): Promise<T | undefined> {
    const text = this.#ns(namespace).get(key);
    return Promise.resolve(text === undefined ? undefined : (JSON.parse(text) as T));
  }

  put(namespace: string, key: string, value: unknown): Promise<void> {
    this.#ns(namespace).set(key, JSON.stringify(value));
    return Promise.resolve();
  }

  create(namespace: string, key: string, value: unknown): Promise<boolean> {
    const ns = this.#ns(namespace);
    if (ns.has(key)) return Promise.resolve(false);
    ns.set(key, JSON.stringify(value));
    return Promise.resolve(true);
  }

  delete(namespace: string, key: string): Promise<void> {
    this.#ns(namespace).delete(key);
    return Promise.resolve();
  }

  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- as in DocumentStore
  list<T>(namespace: string): Promise<{ key: string; value: T }[]> {
    const entries = [...this.#ns(namespace).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Promise.resolve(entries.map(([key, text]) => ({ key, value: JSON.parse(text) as T })));
  }
}
