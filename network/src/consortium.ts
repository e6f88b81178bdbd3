import { readFileSync } from 'node:fs';
import path from 'node:path';
import { NetworkError } from './errors';
import { CONFIG_DIR } from './paths';

/** The channel and chaincode definition every org agrees on (test-network-config/chaincode.json). */
export interface ChaincodeDefinition {
  readonly channel: string;
  readonly name: string;
  readonly label: string;
  readonly endorsementPolicy: string;
}

export function loadChaincodeDefinition(file = path.join(CONFIG_DIR, 'chaincode.json')): ChaincodeDefinition {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<ChaincodeDefinition>;
  for (const key of ['channel', 'name', 'label', 'endorsementPolicy'] as const) {
    if (typeof raw[key] !== 'string' || raw[key] === '') throw new NetworkError(`${file}: "${key}" must be a non-empty string`);
  }
  return raw as ChaincodeDefinition;
}
