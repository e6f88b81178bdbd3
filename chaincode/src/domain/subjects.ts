import { invalid } from '../shared/errors';

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

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
const MSP_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function isSubjectType(value: unknown): value is SubjectType {
  return typeof value === 'string' && (SUBJECT_TYPES as readonly string[]).includes(value);
}

/** True for an id usable in a composite key part (no control characters, bounded length). */
export function isLedgerId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

/** True for a well-formed MSP id. */
export function isMspId(value: unknown): value is string {
  return typeof value === 'string' && MSP_PATTERN.test(value);
}

/**
 * @throws KisekiError `INVALID` when the type is unknown or the id malformed.
 */
export function parseSubject(subjectType: unknown, subjectId: unknown, field = 'subject'): Subject {
  if (!isSubjectType(subjectType)) throw invalid(`${field}Type must be one of ${SUBJECT_TYPES.join(', ')}`);
  if (!isLedgerId(subjectId)) throw invalid(`${field}Id is malformed`);
  return { subjectType, subjectId };
}
