import { OrgClient } from '../client';
import { Logger } from '../log';
import { NetworkStatus } from '../network';
import { Baseline } from './baseline';

/** What every benchmark suite gets: a running network, connections, and the baseline of this same run. */
export interface BenchContext {
  readonly status: NetworkStatus;
  readonly stateDir: string;
  readonly baseline: Baseline;
  /** Unique per run, to prefix IDs. */
  readonly tag: string;
  readonly log: Logger;
  /** 1 for the full benchmark; smaller for a quick smoke run (`--scale 0.1`). */
  readonly scale: number;
  client(mspId: string): OrgClient;
}

export interface BenchReport {
  /** Human-readable lines (tables, ratios, where the time goes). */
  readonly text: string;
  /** Machine-readable figures, saved under reports/. */
  readonly data: Record<string, unknown>;
}

export interface BenchSuite {
  readonly name: string;
  readonly description: string;
  run(context: BenchContext): Promise<BenchReport>;
}
