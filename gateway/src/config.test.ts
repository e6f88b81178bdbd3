import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseConfig } from './config';

describe('config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiseki-config-'));
  for (const f of ['ca.pem', 'cert.pem', 'key.pem', 'keys.json']) writeFileSync(join(dir, f), 'x');
  const valid = {
    mspId: 'Studio1MSP',
    peer: { endpoint: '127.0.0.1:7051', hostAlias: 'peer0.studio1', tlsCACertPath: 'ca.pem' },
    identity: { certPath: 'cert.pem', keyPath: 'key.pem' },
    channel: 'kiseki',
    chaincode: 'kiseki',
    vault: {
      endpoint: 'http://127.0.0.1:9000',
      accessKey: 'kiseki',
      secretKey: 'secret-secret',
      bucket: 'kiseki-studio1',
      serverSideEncryption: 'sse-s3',
    },
    listen: { port: 8080 },
    apiKeysFile: 'keys.json',
    stateDir: 'state',
  };

  test('when the file is complete, then defaults fill the rest and relative paths resolve against its folder', () => {
    const config = parseConfig(valid, {}, dir);
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(config.limits.uploadMaxBytes).toBe(512 * 1024 * 1024);
    expect(config.timeouts.endorseMs).toBe(15_000);
    expect(config.peer.tlsCACertPath).toBe(join(dir, 'ca.pem'));
    expect(config.stateDir).toBe(join(dir, 'state'));
  });

  test('when environment overrides are set, then they win over the file', () => {
    const config = parseConfig(valid, { KISEKI_LISTEN_PORT: '9999', KISEKI_VAULT_SECRET_KEY: 'from-the-env' }, dir);
    expect(config.listen.port).toBe(9999);
    expect(config.vault.secretKey).toBe('from-the-env');
  });

  test('when fields are missing or wrong, then one error names every problem', () => {
    const broken = { ...valid, mspId: '', peer: { endpoint: 'nope' }, vault: { ...valid.vault, secretKey: undefined } };
    let error: unknown;
    try {
      parseConfig(broken, { KISEKI_LISTEN_PORT: 'abc' }, dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('mspId');
    expect(problems).toContain('peer.endpoint');
    expect(problems).toContain('peer.tlsCACertPath');
    expect(problems).toContain('vault.secretKey');
    expect((error as Error).message).toContain('Usage:');
  });

  test('when a referenced file does not exist, then the error names it', () => {
    expect(() => parseConfig({ ...valid, identity: { certPath: 'missing.pem', keyPath: 'key.pem' } }, {}, dir)).toThrow(
      /identity.certPath: file not found/,
    );
  });

  test('when an unknown field is present, then it is refused (typos do not pass silently)', () => {
    expect(() => parseConfig({ ...valid, chaincodee: 'x' }, {}, dir)).toThrow(ConfigError);
  });

  test('when KISEKI_GATEWAY_CONFIG is unset or unreadable, then a clear error', () => {
    expect(() => loadConfig({})).toThrow(/KISEKI_GATEWAY_CONFIG: not set/);
    expect(() => loadConfig({ KISEKI_GATEWAY_CONFIG: join(dir, 'nope.json') })).toThrow(/nope.json/);
    writeFileSync(join(dir, 'gateway.json'), JSON.stringify(valid));
    expect(loadConfig({ KISEKI_GATEWAY_CONFIG: join(dir, 'gateway.json') }).mspId).toBe('Studio1MSP');
  });
});
