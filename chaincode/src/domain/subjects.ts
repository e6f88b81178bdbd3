import { invalid } from '../shared/errors';
import { isId } from '../shared/validate';

/**
 * What rights, revenue and offers can be about. `data`, `model` and `output` name ledger records;
 * `dataset` (a named collection of data described off-chain) and `work` (an off-chain work such as a
 * series or a character) are identified only by their id.
 */
export const SUBJECT_TYPES = ['data', 'dataset', 'model', 'output', 'work'] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number];

/** A subject of rights or revenue. */
export interface Subject {
  readonly subjectType: SubjectType;
  readonly subjectId: string;
}

export function isSubjectType(value: unknown): value is SubjectType {
  return typeof value === 'string' && (SUBJECT_TYPES as readonly string[]).includes(value);
}

/**
 * @throws KisekiError `INVALID` when the type is unknown or the id malformed.
 */
export function parseSubject(subjectType: unknown, subjectId: unknown, field = 'subject'): Subject {
  if (!isSubjectType(subjectType)) throw invalid(`${field}Type must be one of ${SUBJECT_TYPES.join(', ')}`);
  if (!isId(subjectId)) throw invalid(`${field}Id is malformed`);
  return { subjectType, subjectId };
}
