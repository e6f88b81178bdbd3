import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeyStore } from './auth';
import { parseConfig } from './config';
import { ensureDemoKeys, gatewayConfigFor, rolesFor, type NetworkView } from './launch';

describe('launcher', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'kiseki-launch-'));
  const file = (name: string): string => {
    const path = join(stateDir, name);
    writeFileSync(path, 'x');
    return path;
  };
  const view: NetworkView = {
    stateDir,
    basePort: 20000,
    channel: 'kiseki',
    chaincode: { name: 'kiseki' },
    vault: { endpoint: 'http://127.0.0.1:20200' },
    orgs: ['Studio1MSP', 'LicensorMSP'].map((mspId, i) => ({
      mspId,
      peerEndpoint: `127.0.0.1:${20100 + i * 10}`,
      peerHostAlias: `peer0.${mspId}`,
      tlsCACertPath: file(`ca-${i}.pem`),
      userCertPath: file(`cert-${i}.pem`),
      userKeyPath: file(`key-${i}.pem`),
      vault: { accessKey: `gateway-${mspId.toLowerCase()}`, secretKey: `secret-of-${mspId}`, bucket: `kiseki-vault-${mspId.toLowerCase()}` },
    })),
  };

  test('when a config is derived from the network status, then it passes the gateway schema with a port and a bucket per org', () => {
    ensureDemoKeys(stateDir, 'LicensorMSP');
    const config = parseConfig(gatewayConfigFor(view, 1));
    expect(config.listen.port).toBe(20301);
    expect(config.vault).toMatchObject({ bucket: 'kiseki-vault-licensormsp', accessKey: 'gateway-licensormsp', secretKey: 'secret-of-LicensorMSP' });
    expect(config.peer).toMatchObject({ endpoint: '127.0.0.1:20110', hostAlias: 'peer0.LicensorMSP' });
  });

  test('when demo keys are ensured twice, then they are kept, stored hashed for the gateway, and usable', () => {
    const first = ensureDemoKeys(stateDir, 'Studio1MSP');
    const second = ensureDemoKeys(stateDir, 'Studio1MSP');
    expect(second).toEqual(first);
    expect(first.map((k) => k.role)).toEqual(rolesFor('Studio1MSP'));
    const keys = ApiKeyStore.fromFile(join(stateDir, 'gateways', 'Studio1MSP', 'api-keys.json'));
    const operator = first.find((k) => k.role === 'studio-operator');
    expect(keys.authenticate(`Bearer ${operator?.key ?? ''}`, undefined).role).toBe('studio-operator');
    expect(rolesFor('RegulatorMSP')).toEqual(['regulator']);
  });
});
