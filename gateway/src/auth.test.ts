import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeyStore, authorize, hashApiKey, newApiKey } from './auth';
import { AppError } from './errors';

describe('API keys', () => {
  const key = newApiKey();
  const store = new ApiKeyStore({ keys: [{ keyHash: hashApiKey(key), clientId: 'studio1-pipeline', role: 'studio-operator' }] });

  test('when a key is generated, then only its SHA-256 is needed to recognise it', () => {
    expect(key).toMatch(/^ksk_[A-Za-z0-9_-]{32}$/);
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(store.authenticate(`Bearer ${key}`, undefined)).toEqual({ clientId: 'studio1-pipeline', role: 'studio-operator' });
    expect(store.authenticate(undefined, key)).toEqual({ clientId: 'studio1-pipeline', role: 'studio-operator' });
  });

  test('when no key or an unknown key is given, then UNAUTHENTICATED', () => {
    for (const [auth, header] of [
      [undefined, undefined],
      ['Bearer wrong', undefined],
      ['Basic abc', undefined],
      [undefined, ''],
    ] as const) {
      expect(() => store.authenticate(auth, header)).toThrow(
        expect.objectContaining({ code: 'UNAUTHENTICATED', httpStatus: 401 }) as AppError,
      );
    }
  });

  test('when a read-only role is refused, then FORBIDDEN says it is read-only', () => {
    expect(() => {
      authorize({ clientId: 'r', role: 'regulator' }, ['studio-operator']);
    }).toThrow(/read-only/);
    expect(() => {
      authorize({ clientId: 's', role: 'studio-operator' }, ['licensor-operator']);
    }).toThrow(expect.objectContaining({ httpStatus: 403 }) as AppError);
    expect(() => {
      authorize({ clientId: 's', role: 'studio-operator' }, ['studio-operator']);
    }).not.toThrow();
  });

  test('when the keys file holds a plain key instead of a hash, then it is refused', () => {
    const path = join(tmpdir(), `keys-${process.pid}.json`);
    writeFileSync(path, JSON.stringify({ keys: [{ keyHash: 'ksk_plain', clientId: 'x', role: 'auditor' }] }));
    expect(() => ApiKeyStore.fromFile(path)).toThrow(/keys.0.keyHash/);
  });
});
