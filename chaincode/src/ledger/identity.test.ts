import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ORG_ROLES, parseConsortium } from './identity';

describe('consortium role table', () => {
  it('when the package carries the founding table, then the four orgs have their roles', () => {
    expect(ORG_ROLES).toEqual({ Studio1MSP: 'studio', Studio2MSP: 'studio', LicensorMSP: 'licensor', RegulatorMSP: 'regulator' });
    expect(parseConsortium(JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'consortium.json'), 'utf8')))).toEqual(ORG_ROLES);
  });

  it('when a table adds an org, then it gets its role; a malformed table is refused entry by entry', () => {
    expect(parseConsortium({ orgs: [{ mspId: 'Licensor2MSP', role: 'licensor' }] })).toEqual({ Licensor2MSP: 'licensor' });
    expect(() => parseConsortium({ orgs: [] })).toThrow(/non-empty array/);
    expect(() => parseConsortium({ orgs: [{ mspId: 'X MSP', role: 'studio' }] })).toThrow(/orgs\[0\].mspId/);
    expect(() => parseConsortium({ orgs: [{ mspId: 'XMSP', role: 'owner' }] })).toThrow(
      /orgs\[0\].role must be one of studio, licensor, regulator/,
    );
    expect(() =>
      parseConsortium({
        orgs: [
          { mspId: 'XMSP', role: 'studio' },
          { mspId: 'XMSP', role: 'studio' },
        ],
      }),
    ).toThrow(/listed twice/);
  });
});
