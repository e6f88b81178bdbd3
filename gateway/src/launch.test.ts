import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
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
      vault: {
        accessKey: `gateway-${mspId.toLowerCase()}`,
        secretKey: `secret-of-${mspId}`,
        bucket: `kiseki-vault-${mspId.toLowerCase()}`,
      },
    })),
  };

  test('when a config is derived from the network status, then it passes the gateway schema with a port and a bucket per org', () => {
    ensureDemoKeys(stateDir, 'LicensorMSP');
    const config = parseConfig(gatewayConfigFor(view, 1));
    expect(config.listen.port).toBe(20301);
    expect(config.vault).toMatchObject({
      bucket: 'kiseki-vault-licensormsp',
      accessKey: 'gateway-licensormsp',
      secretKey: 'secret-of-LicensorMSP',
    });
    expect(config.peer).toMatchObject({ endpoint: '127.0.0.1:20110', hostAlias: 'peer0.LicensorMSP' });
  });

  test("when the network runs in hosts mode, then each gateway listens on its org's address and reaches the others at theirs, with their CAs from the exchanged files", () => {
    const hosts: NetworkView = {
      ...view,
      orgs: view.orgs.map((org, i) => ({
        ...org,
        address: `10.78.32.${20 + i}`,
        namespace: `kiseki20000-org${i}`,
        exchangeMspDir: join(stateDir, 'exchange', org.mspId, 'msp'),
      })),
    };
    ensureDemoKeys(stateDir, 'Studio1MSP');
    mkdirSync(join(stateDir, 'exchange', 'LicensorMSP', 'msp', 'cacerts'), { recursive: true });
    expect(() => parseConfig(gatewayConfigFor(hosts, 0))).toThrow(/plainHttp: only on a loopback address/);
    const config = parseConfig(gatewayConfigFor(hosts, 0, { certPath: file('tls-cert.pem'), keyPath: file('tls-key.pem') }));
    expect(config.listen).toEqual({ host: '10.78.32.20', port: 20300 });
    expect(config.tls?.certPath).toBe(join(stateDir, 'tls-cert.pem'));
    expect(config.plainHttp).toBe(false);
    expect(config.exchange?.orgs).toEqual([
      {
        mspId: 'LicensorMSP',
        url: 'https://10.78.32.21:20301',
        caCertPath: join(stateDir, 'exchange', 'LicensorMSP', 'msp', 'cacerts'),
        vaultUrl: 'http://127.0.0.1:20200',
      },
    ]);
    expect(config.gatewayCAPaths).toEqual([join(stateDir, 'ca-1.pem')]);
    expect(config.publicVerification.attestors).toEqual(['https://10.78.32.21:20301']);
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
