import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSchema, readMigrations, schemaForMsp } from './database';

describe('database plumbing', () => {
  it('when an org has an MSP ID, then its schema is a plain lower-case identifier', () => {
    expect(schemaForMsp('Studio1MSP')).toBe('org_studio1msp');
    expect(schemaForMsp('Odd-Org.MSP')).toBe('org_odd_org_msp');
  });

  it('when a schema name could inject SQL, then it is refused', () => {
    expect(() => checkSchema('org; DROP TABLE x')).toThrow(/invalid database schema/);
    expect(checkSchema('org_a')).toBe('org_a');
  });

  it('when migration files are read, then they come in version order and the shipped ones parse', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiseki-migrations-'));
    writeFileSync(join(dir, '010_b.sql'), 'SELECT 2;');
    writeFileSync(join(dir, '002_a.sql'), 'SELECT 1;');
    expect(readMigrations(dir).map((m) => [m.version, m.name])).toEqual([
      [2, 'a'],
      [10, 'b'],
    ]);
    expect(readMigrations().length).toBeGreaterThan(0);
  });

  it('when two files share a version or one is misnamed, then reading refuses', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiseki-migrations-'));
    writeFileSync(join(dir, '001_a.sql'), '');
    writeFileSync(join(dir, '001_b.sql'), '');
    expect(() => readMigrations(dir)).toThrow(/two migrations/);
    const bad = mkdtempSync(join(tmpdir(), 'kiseki-migrations-'));
    writeFileSync(join(bad, 'index.sql'), '');
    expect(() => readMigrations(bad)).toThrow(/NNN_name/);
  });
});
