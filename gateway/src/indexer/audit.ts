import type { Pool } from 'pg';
import { AppError } from '../errors';

/**
 * Read side of the index: lists of every record type with filters, cursor paging and "as of block N",
 * and the analytics an auditor or regulator asks. Every answer carries the block height it reflects.
 * Only public ledger state is indexed (private data collections never reach a block).
 */

/** REST name of a record type → the object type of its ledger key. */
export const RecordTypes = {
  terms: 'terms',
  'terms-versions': 'termsVersion',
  providers: 'provider',
  data: 'data',
  datasets: 'dataset',
  models: 'model',
  'model-versions': 'modelVersion',
  'training-entries': 'trainingSet',
  usage: 'usage',
  'model-provider-counts': 'modelProviderCount',
  'model-terms-counts': 'modelTermsCount',
  'model-flags': 'modelFlag',
  outputs: 'output',
  rights: 'rights',
  transfers: 'rightsTransfer',
  revenue: 'revenue',
  'subject-revenue': 'subjectRevenue',
  pools: 'royaltyPool',
  'provider-claims': 'providerClaim',
  'holder-credits': 'holderCredit',
  'holder-claims': 'holderClaim',
  settlements: 'settlement',
  offers: 'offer',
  grants: 'grant',
  reviews: 'review',
  exclusions: 'trainingExclusion',
  access: 'access',
} as const;
export type RecordTypeName = keyof typeof RecordTypes;
export const RECORD_TYPE_NAMES = Object.keys(RecordTypes) as RecordTypeName[];

export interface Height {
  /** Blocks in the index (the ledger height it reflects); a list "as of" N reflects N + 1. */
  height: string;
  asOfBlock?: string;
}

export interface ListQuery {
  filters: Readonly<Record<string, string>>;
  asOf?: bigint;
  cursor?: string;
  limit: number;
}

export interface ListedRecord {
  key: string[];
  record: unknown;
  blockNumber: string;
  txId: string;
}

export interface ListPage extends Height {
  items: ListedRecord[];
  nextCursor?: string;
}

const FIELD = /^[A-Za-z][A-Za-z0-9]{0,63}$/;

/** Parses `field:value,field:value` (record fields, exact match on their text). */
export function parseFilter(text: string | undefined): Record<string, string> {
  const filters: Record<string, string> = {};
  if (text === undefined || text === '') return filters;
  for (const part of text.split(',')) {
    const at = part.indexOf(':');
    const field = at < 0 ? '' : part.slice(0, at);
    if (!FIELD.test(field)) {
      throw new AppError('INVALID', `filter ${JSON.stringify(part)} must be field:value`, {
        issues: [{ path: 'filter', code: 'custom', message: 'field:value pairs separated by commas' }],
      });
    }
    filters[field] = part.slice(at + 1);
  }
  return filters;
}

const encodeCursor = (attrs: readonly string[]): string => Buffer.from(JSON.stringify(attrs), 'utf8').toString('base64url');
function decodeCursor(cursor: string): string[] {
  try {
    const attrs = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(attrs) && attrs.every((a) => typeof a === 'string')) return attrs;
  } catch {
    // fall through
  }
  throw new AppError('INVALID', 'malformed cursor', {
    issues: [{ path: 'cursor', code: 'custom', message: 'use nextCursor of the previous page' }],
  });
}

/** The same relation for analytics: a key type's current state, or as of a block (`$1` is the block). */
const stateOf = (keyType: string): string => `(
  SELECT key_attrs, value, block_number FROM index_state WHERE key_type = '${keyType}' AND $1::bigint IS NULL
  UNION ALL
  SELECT key_attrs, value, block_number FROM (
    SELECT DISTINCT ON (key_attrs) key_attrs, value, block_number, is_delete FROM index_versions
    WHERE key_type = '${keyType}' AND $1::bigint IS NOT NULL AND block_number <= $1::bigint
    ORDER BY key_attrs, block_number DESC, tx_index DESC) v WHERE NOT is_delete
)`;

export class AuditReader {
  constructor(private readonly pool: Pool) {}

  /** The index height, and the block an "as of" answer reflects (refused beyond what is indexed). */
  async height(asOf?: bigint): Promise<Height> {
    const row = (
      await this.pool.query<{ block_number: string | null }>('SELECT max(block_number)::text AS block_number FROM index_checkpoint')
    ).rows[0];
    const height = row?.block_number === null || row?.block_number === undefined ? 0n : BigInt(row.block_number) + 1n;
    if (asOf === undefined) return { height: height.toString() };
    if (asOf >= height)
      throw new AppError('INVALID', `block ${asOf} is not indexed yet (index height ${height})`, {
        issues: [{ path: 'asOf', code: 'too_big', message: `at most ${height - 1n}` }],
      });
    return { height: height.toString(), asOfBlock: asOf.toString() };
  }

  /**
   * Waits until the index holds `target` blocks, or `timeoutMs` passed (then the caller answers with
   * the lower height it reflects, never an error: a lagging index is stale, not broken).
   */
  async waitForHeight(target: bigint, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (BigInt((await this.height()).height) < target && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async list(type: RecordTypeName, query: ListQuery): Promise<ListPage> {
    const keyType = RecordTypes[type];
    const h = await this.height(query.asOf);
    const params: unknown[] = [keyType];
    const where: string[] = ['s.key_type = $1'];
    for (const [field, value] of Object.entries(query.filters)) {
      if (!FIELD.test(field)) throw new AppError('INVALID', `bad filter field ${field}`);
      // Containment (GIN-indexed); a value that reads as a number or boolean also matches as one.
      const alternatives = [
        { [field]: value },
        ...(/^(true|false|-?\d{1,15})$/.test(value) ? [{ [field]: JSON.parse(value) as unknown }] : []),
      ];
      where.push(
        `(${alternatives
          .map((a) => {
            params.push(JSON.stringify(a));
            return `s.value @> $${params.length}::jsonb`;
          })
          .join(' OR ')})`,
      );
    }
    if (query.cursor !== undefined) {
      params.push(decodeCursor(query.cursor));
      where.push(`s.key_attrs > $${params.length}::text[]`);
    }
    let source = 'index_state';
    if (query.asOf !== undefined) {
      params.push(query.asOf.toString());
      source = `(SELECT * FROM (SELECT DISTINCT ON (key_type, key_attrs) key_type, key_attrs, value, block_number, tx_id, is_delete FROM index_versions
        WHERE key_type = $1 AND block_number <= $${params.length}::bigint ORDER BY key_type, key_attrs, block_number DESC, tx_index DESC) v WHERE NOT is_delete)`;
    }
    params.push(query.limit + 1);
    const sql = `SELECT s.key_attrs, s.value, s.block_number::text AS block_number, s.tx_id FROM ${source} s
      WHERE ${where.join(' AND ')} ORDER BY s.key_type, s.key_attrs LIMIT $${params.length}`;
    const rows = (await this.pool.query<{ key_attrs: string[]; value: unknown; block_number: string; tx_id: string }>(sql, params)).rows;
    const more = rows.length > query.limit;
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      ...h,
      items: page.map((r) => ({ key: r.key_attrs, record: r.value, blockNumber: r.block_number, txId: r.tx_id })),
      ...(more && last !== undefined ? { nextCursor: encodeCursor(last.key_attrs) } : {}),
    };
  }

  /** Every version of one key (by its key attributes), oldest first, with block and transaction. */
  async history(
    type: RecordTypeName,
    keyAttrs: readonly string[],
  ): Promise<Height & { versions: { blockNumber: string; txId: string; deleted: boolean; record: unknown; txTime: string | null }[] }> {
    const h = await this.height();
    const rows = (
      await this.pool.query<{ block_number: string; tx_id: string; is_delete: boolean; value: unknown; tx_time: Date | null }>(
        `SELECT v.block_number::text, v.tx_id, v.is_delete, v.value, t.tx_time FROM index_versions v
       LEFT JOIN index_transactions t ON t.block_number = v.block_number AND t.tx_index = v.tx_index
       WHERE v.key_type = $1 AND v.key_attrs = $2::text[] ORDER BY v.block_number, v.tx_index`,
        [RecordTypes[type], keyAttrs],
      )
    ).rows;
    return {
      ...h,
      versions: rows.map((r) => ({
        blockNumber: r.block_number,
        txId: r.tx_id,
        deleted: r.is_delete,
        record: r.value,
        txTime: r.tx_time?.toISOString() ?? null,
      })),
    };
  }

  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the row type is the caller's declaration of its SQL
  async #rows<T>(sql: string, asOf: bigint | undefined, extra: unknown[] = []): Promise<Height & { rows: T[] }> {
    const h = await this.height(asOf);
    const rows = (await this.pool.query(sql, [asOf === undefined ? null : asOf.toString(), ...extra])).rows as T[];
    return { ...h, rows };
  }

  /**
   * Outputs resting on data whose consent was revoked (or that is disputed) after it was used: an
   * output's model and every base model up its lineage, their training entries, and the items among
   * them whose status is no longer active.
   */
  revokedInputs(
    asOf?: bigint,
  ): Promise<Height & { rows: { outputId: string; modelId: string; consentRevoked: number; disputed: number; dataIds: string[] }[] }> {
    return this.#rows(
      `
      WITH RECURSIVE outputs AS (SELECT value ->> 'outputId' AS output_id, value ->> 'modelId' AS model_id FROM ${stateOf('output')} o),
      models AS (SELECT value ->> 'modelId' AS model_id, value ->> 'baseModelId' AS base_id FROM ${stateOf('model')} m),
      lineage AS (
        SELECT o.output_id, o.model_id AS model_id, 0 AS depth FROM outputs o
        UNION
        SELECT l.output_id, m.base_id, l.depth + 1 FROM lineage l JOIN models m ON m.model_id = l.model_id WHERE m.base_id IS NOT NULL AND l.depth < 32
      ),
      flagged AS (
        SELECT l.output_id, d.value ->> 'dataId' AS data_id, d.value ->> 'status' AS status
        FROM lineage l
        JOIN ${stateOf('trainingSet')} t ON t.key_attrs[1] = l.model_id
        JOIN ${stateOf('data')} d ON d.key_attrs[1] = t.key_attrs[2]
        WHERE d.value ->> 'status' <> 'active' AND d.block_number >= t.block_number
      )
      SELECT f.output_id AS "outputId", (SELECT model_id FROM outputs o WHERE o.output_id = f.output_id) AS "modelId",
        count(*) FILTER (WHERE status = 'consent-revoked')::int AS "consentRevoked",
        count(*) FILTER (WHERE status = 'disputed')::int AS "disputed",
        array_agg(DISTINCT data_id ORDER BY data_id) AS "dataIds"
      FROM flagged f GROUP BY f.output_id ORDER BY f.output_id`,
      asOf,
    );
  }

  /** A provider's income per model: training items, accrued from the pool index (as `revenue:Statement`), claimed, claimable. */
  providerIncome(
    providerId: string,
    asOf?: bigint,
  ): Promise<
    Height & { rows: { modelId: string; currency: string | null; items: number; accrued: string; claimed: string; claimable: string }[] }
  > {
    return this.#rows(
      `
      SELECT c.key_attrs[1] AS "modelId", p.value ->> 'currency' AS currency, (c.value ->> 'count')::int AS items,
        COALESCE(div((c.value ->> 'count')::numeric * (p.value ->> 'index')::numeric, 1000000000000000000::numeric), 0)::text AS accrued,
        COALESCE((pc.value ->> 'claimed')::numeric, 0)::text AS claimed,
        (COALESCE(div((c.value ->> 'count')::numeric * (p.value ->> 'index')::numeric, 1000000000000000000::numeric), 0) - COALESCE((pc.value ->> 'claimed')::numeric, 0))::text AS claimable
      FROM ${stateOf('modelProviderCount')} c
      LEFT JOIN ${stateOf('royaltyPool')} p ON p.key_attrs[1] = c.key_attrs[1]
      LEFT JOIN ${stateOf('providerClaim')} pc ON pc.key_attrs[1] = $2 AND pc.key_attrs[2] = c.key_attrs[1] AND pc.key_attrs[3] = p.key_attrs[2]
      WHERE c.key_attrs[2] = $2 ORDER BY 1, 2`,
      asOf,
      [providerId],
    );
  }

  /** Which terms cover most training data: training items per terms over all models, and registered items. */
  termsCoverage(
    asOf?: bigint,
  ): Promise<Height & { rows: { termsId: string; trainingItems: number; models: number; dataItems: number }[] }> {
    return this.#rows(
      `
      WITH t AS (SELECT key_attrs[2] AS terms_id, sum((value ->> 'count')::bigint) AS items, count(DISTINCT key_attrs[1]) AS models
                 FROM ${stateOf('modelTermsCount')} x GROUP BY 1),
           d AS (SELECT value ->> 'termsId' AS terms_id, count(*) AS items FROM ${stateOf('data')} y GROUP BY 1)
      SELECT COALESCE(t.terms_id, d.terms_id) AS "termsId", COALESCE(t.items, 0)::int AS "trainingItems", COALESCE(t.models, 0)::int AS models,
        COALESCE(d.items, 0)::int AS "dataItems"
      FROM t FULL JOIN d ON d.terms_id = t.terms_id ORDER BY 2 DESC, 4 DESC, 1`,
      asOf,
    );
  }

  /** Data quality and governance: items per terms and provider, by status. */
  itemsPerTermsAndProvider(asOf?: bigint): Promise<
    Height & {
      rows: {
        termsId: string;
        providerId: string;
        items: number;
        active: number;
        consentRevoked: number;
        disputed: number;
        bytes: string;
      }[];
    }
  > {
    return this.#rows(
      `
      SELECT value ->> 'termsId' AS "termsId", value ->> 'providerId' AS "providerId", count(*)::int AS items,
        count(*) FILTER (WHERE value ->> 'status' = 'active')::int AS active,
        count(*) FILTER (WHERE value ->> 'status' = 'consent-revoked')::int AS "consentRevoked",
        count(*) FILTER (WHERE value ->> 'status' = 'disputed')::int AS disputed,
        COALESCE(sum((value ->> 'size')::bigint), 0)::text AS bytes
      FROM ${stateOf('data')} d GROUP BY 1, 2 ORDER BY 1, 2`,
      asOf,
    );
  }

  /**
   * Consent revocations and disputes over time (per day of the transaction's time), with the outputs
   * each day's changes touch (outputs of models that trained on the items).
   */
  statusChanges(
    asOf?: bigint,
  ): Promise<Height & { rows: { day: string; consentRevoked: number; disputed: number; dataIds: string[]; outputsTouched: number }[] }> {
    return this.#rows(
      `
      WITH changes AS (
        SELECT date_trunc('day', t.tx_time) AS day, t.event_name, t.event_payload ->> 'dataId' AS data_id
        FROM index_transactions t
        WHERE t.validation_code = 0 AND ($1::bigint IS NULL OR t.block_number <= $1::bigint)
          AND (t.event_name = 'DataConsentRevoked' OR (t.event_name = 'DataDisputeChanged' AND (t.event_payload ->> 'disputed')::boolean))
      ),
      touched AS (
        SELECT DISTINCT c.day, o.value ->> 'outputId' AS output_id FROM changes c
        JOIN ${stateOf('trainingSet')} ts ON ts.key_attrs[2] = c.data_id
        JOIN ${stateOf('output')} o ON o.value ->> 'modelId' = ts.key_attrs[1]
      )
      SELECT to_char(c.day, 'YYYY-MM-DD') AS day,
        count(*) FILTER (WHERE c.event_name = 'DataConsentRevoked')::int AS "consentRevoked",
        count(*) FILTER (WHERE c.event_name = 'DataDisputeChanged')::int AS disputed,
        array_agg(DISTINCT c.data_id ORDER BY c.data_id) AS "dataIds",
        (SELECT count(*) FROM touched x WHERE x.day = c.day)::int AS "outputsTouched"
      FROM changes c GROUP BY c.day ORDER BY c.day`,
      asOf,
    );
  }

  /** Composition of each model (or one) by provider and by terms: training items per part. */
  modelComposition(
    modelId: string | undefined,
    asOf?: bigint,
  ): Promise<Height & { rows: { modelId: string; by: 'provider' | 'terms'; id: string; items: number; trainingSize: number | null }[] }> {
    return this.#rows(
      `
      WITH parts AS (
        SELECT key_attrs[1] AS model_id, 'provider' AS by, key_attrs[2] AS id, (value ->> 'count')::int AS items FROM ${stateOf('modelProviderCount')} a
        UNION ALL
        SELECT key_attrs[1], 'terms', key_attrs[2], (value ->> 'count')::int FROM ${stateOf('modelTermsCount')} b
      )
      SELECT p.model_id AS "modelId", p.by, p.id, p.items, (m.value ->> 'trainingSize')::int AS "trainingSize"
      FROM parts p LEFT JOIN ${stateOf('model')} m ON m.key_attrs[1] = p.model_id
      WHERE $2::text IS NULL OR p.model_id = $2 ORDER BY 1, 2, 4 DESC, 3`,
      asOf,
      [modelId ?? null],
    );
  }

  /** Revenue per subject and payouts per holder, per day: amounts summed exactly (numeric). */
  revenueOverTime(
    asOf?: bigint,
  ): Promise<
    Height & { rows: { day: string; kind: 'subject' | 'holder' | 'pool'; id: string; currency: string; amount: string; events: number }[] }
  > {
    return this.#rows(
      `
      WITH r AS (
        SELECT v.value, to_char(date_trunc('day', t.tx_time), 'YYYY-MM-DD') AS day
        FROM ${stateOf('revenue')} v
        JOIN index_versions iv ON iv.key_type = 'revenue' AND iv.key_attrs = v.key_attrs AND iv.block_number = v.block_number
        JOIN index_transactions t ON t.block_number = iv.block_number AND t.tx_index = iv.tx_index
      )
      SELECT day, 'subject' AS kind, (value ->> 'subjectType') || ':' || (value ->> 'subjectId') AS id, value ->> 'currency' AS currency,
        sum((value ->> 'amount')::numeric)::text AS amount, count(*)::int AS events FROM r GROUP BY 1, 2, 3, 4
      UNION ALL
      SELECT r.day, 'holder', p ->> 'holderId', r.value ->> 'currency', sum((p ->> 'amount')::numeric)::text, count(*)::int
        FROM r, jsonb_array_elements(r.value -> 'holderPayouts') p GROUP BY 1, 2, 3, 4
      UNION ALL
      SELECT r.day, 'pool', p ->> 'modelId', r.value ->> 'currency', sum((p ->> 'amount')::numeric)::text, count(*)::int
        FROM r, jsonb_array_elements(r.value -> 'poolAdditions') p GROUP BY 1, 2, 3, 4
      ORDER BY 1, 2, 3, 4`,
      asOf,
    );
  }

  /** Offers with their grants: how many purchases, active grants and the revenue they brought. */
  offersAndGrants(asOf?: bigint): Promise<
    Height & {
      rows: {
        offerId: string;
        subjectType: string;
        subjectId: string;
        sellerMsp: string;
        status: string;
        price: string;
        currency: string;
        grants: number;
        activeGrants: number;
      }[];
    }
  > {
    return this.#rows(
      `
      SELECT o.value ->> 'offerId' AS "offerId", o.value ->> 'subjectType' AS "subjectType", o.value ->> 'subjectId' AS "subjectId",
        o.value ->> 'sellerMsp' AS "sellerMsp", o.value ->> 'status' AS status, o.value ->> 'price' AS price, o.value ->> 'currency' AS currency,
        count(g.key_attrs)::int AS grants, count(g.key_attrs) FILTER (WHERE COALESCE(g.value ->> 'status', 'active') = 'active')::int AS "activeGrants"
      FROM ${stateOf('offer')} o LEFT JOIN ${stateOf('grant')} g ON g.value ->> 'offerId' = o.value ->> 'offerId'
      GROUP BY o.value ORDER BY 1`,
      asOf,
    );
  }
}

/** Renders rows as CSV (RFC 4180): a header of the union of keys, nested values as JSON. */
export function toCsv(rows: readonly Record<string, unknown>[]): string {
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  const cell = (value: unknown): string => {
    if (value === undefined || value === null) return '';
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [columns.map(cell).join(','), ...rows.map((row) => columns.map((c) => cell(row[c])).join(','))].join('\r\n') + '\r\n';
}
