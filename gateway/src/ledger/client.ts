import type { z } from 'zod';
import { toJson } from '@kiseki/chaincode/shared/codec';
import { issuesOf } from '@kiseki/chaincode/shared/schema';
import { AppError } from '../errors';
import type { Ledger, SubmitResult, TxContext } from '../fabric/ledger';
import { LedgerTransactions, type LedgerTransactionTable, type ReadSpec, type TransactionSpec, type WriteSpec } from './transactions';

/**
 * The typed ledger client: `ledger.data.register(request)` submits `data:Register` and answers the
 * committed {@link DataRecord}, parsed; `ledger.models.get(modelId)` evaluates `models:Get` and
 * answers a parsed ModelRecord. Built from {@link LedgerTransactions} over any {@link LedgerPort} (the
 * raw {@link Ledger}, or the transactor that logs who asked).
 */

/** Options of one write. */
export interface WriteOptions {
  /** Private inputs (transient map). */
  transient?: Readonly<Record<string, string>>;
  /** Called once the transaction is endorsed, before it is sent for ordering (raw chaincode result). */
  onEndorsed?: TxContext['onEndorsed'];
  /** Called once the transaction is ordered, before its commit is awaited (raw chaincode result). */
  onOrdered?: TxContext['onOrdered'];
}

/** A committed write: the parsed answer of the chaincode and where it committed. */
export interface Written<T> {
  result: T;
  transactionId: string;
  blockNumber: string;
}

/** What the client needs underneath: the two calls of {@link Ledger}, with the acting client bound. */
export interface LedgerPort {
  submit(contract: string, transaction: string, request: Record<string, unknown>, options: WriteOptions): Promise<SubmitResult>;
  evaluate(contract: string, transaction: string, args: readonly string[]): Promise<unknown>;
}

type WriteMethod<S> =
  S extends WriteSpec<infer Req, infer Res> ? (request: z.input<Req>, options?: WriteOptions) => Promise<Written<z.output<Res>>> : never;
type ReadMethod<S> =
  S extends ReadSpec<infer Arg, infer Res>
    ? Arg extends z.ZodType
      ? (query: z.input<Arg>) => Promise<z.output<Res>>
      : (id: string) => Promise<z.output<Res>>
    : never;

/** The reads of the table: `reader.data.get(id)`. */
export type LedgerReader = {
  readonly [C in keyof LedgerTransactionTable]: {
    readonly [M in keyof LedgerTransactionTable[C] as LedgerTransactionTable[C][M] extends ReadSpec ? M : never]: ReadMethod<
      LedgerTransactionTable[C][M]
    >;
  };
};

/** Reads and writes: `ledger.data.register(request)`. */
export type LedgerClient = {
  readonly [C in keyof LedgerTransactionTable]: {
    readonly [M in keyof LedgerTransactionTable[C]]: LedgerTransactionTable[C][M] extends WriteSpec
      ? WriteMethod<LedgerTransactionTable[C][M]>
      : ReadMethod<LedgerTransactionTable[C][M]>;
  };
};

/** The answer of a transaction parsed against its schema, or an `UNEXPECTED_ANSWER` error naming it. */
export function parseAnswer<S extends z.ZodType>(
  spec: TransactionSpec & { response: S },
  answer: unknown,
  transactionId?: string,
): z.output<S> {
  const parsed = spec.response.safeParse(answer);
  if (parsed.success) return parsed.data;
  const issues = issuesOf(parsed.error).map((issue) => ({ ...issue, code: 'unexpected_answer' }));
  const first = issues[0];
  const where = first === undefined ? '' : `: ${first.path === '' ? '' : `${first.path}: `}${first.message}`;
  throw new AppError('UNEXPECTED_ANSWER', `the answer of ${spec.contract}:${spec.transaction} does not match its schema${where}`, {
    issues,
    ...(transactionId === undefined ? {} : { transactionId }),
  });
}

function writeMethod(port: LedgerPort, spec: WriteSpec) {
  return async (request: Record<string, unknown>, options: WriteOptions = {}): Promise<Written<unknown>> => {
    const submitted = await port.submit(spec.contract, spec.transaction, request, options);
    return {
      result: parseAnswer(spec, submitted.result, submitted.transactionId),
      transactionId: submitted.transactionId,
      blockNumber: submitted.blockNumber,
    };
  };
}

function readMethod(port: LedgerPort, spec: ReadSpec) {
  return async (argument: string | Readonly<Record<string, unknown>>): Promise<unknown> => {
    const text = typeof argument === 'string' ? argument : toJson(argument);
    return parseAnswer(spec, await port.evaluate(spec.contract, spec.transaction, [text]));
  };
}

/** Builds the client over `port`: one method per row of the table. */
export function createLedgerClient(port: LedgerPort): LedgerClient {
  const client: Record<string, Record<string, unknown>> = {};
  for (const [contract, methods] of Object.entries(LedgerTransactions)) {
    const bound: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(methods as Record<string, TransactionSpec>)) {
      bound[name] = spec.kind === 'submit' ? writeMethod(port, spec) : readMethod(port, spec);
    }
    client[contract] = bound;
  }
  return client as unknown as LedgerClient;
}

/** A client over the raw ledger: writes carry `context` (the acting client) as every write must. */
export function ledgerClient(
  ledger: Pick<Ledger, 'submit' | 'evaluate'>,
  context: Omit<TxContext, 'transient' | 'onEndorsed' | 'onOrdered'>,
): LedgerClient {
  return createLedgerClient({
    submit: (contract, transaction, request, options) =>
      ledger.submit(contract, transaction, request, {
        ...context,
        ...(options.transient === undefined ? {} : { transient: options.transient }),
        ...(options.onEndorsed === undefined ? {} : { onEndorsed: options.onEndorsed }),
        ...(options.onOrdered === undefined ? {} : { onOrdered: options.onOrdered }),
      }),
    evaluate: (contract, transaction, args) => ledger.evaluate(contract, transaction, args),
  });
}

/** Reads only, over the raw ledger (no acting client needed). */
export function ledgerReader(ledger: Pick<Ledger, 'evaluate'>): LedgerReader {
  return createLedgerClient({
    submit: () => Promise.reject(new AppError('INTERNAL', 'a reader cannot submit')),
    evaluate: (contract, transaction, args) => ledger.evaluate(contract, transaction, args),
  });
}
