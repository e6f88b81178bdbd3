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
    plainHttp: true,
    apiKeysFile: 'keys.json',
    stateDir: 'state',
  };

  test('when neither tls nor plainHttp is configured, then the gateway refuses to start', () => {
    const noTransport: Partial<typeof valid> = { ...valid };
    delete noTransport.plainHttp;
    expect(() => parseConfig(noTransport, {}, dir)).toThrow(/tls: required/);
  });

  test('when plain HTTP is asked on a non-loopback address, then it is refused; on loopback it is allowed', () => {
    for (const host of ['0.0.0.0', '10.0.0.5', '::', 'gateway.example.org'])
      expect(() => parseConfig({ ...valid, listen: { host, port: 8080 } }, {}, dir)).toThrow(/plainHttp: only on a loopback address/);
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost'])
      expect(parseConfig({ ...valid, listen: { host, port: 8080 } }, {}, dir).plainHttp).toBe(true);
  });

  test('when tls is configured, then its files must exist, paths resolve, and plainHttp cannot be combined with it', () => {
    const base: Partial<typeof valid> = { ...valid };
    delete base.plainHttp;
    const config = parseConfig(
      { ...base, listen: { host: '0.0.0.0', port: 8443 }, tls: { certPath: 'cert.pem', keyPath: 'key.pem', clientCAPaths: ['ca.pem'] } },
      {},
      dir,
    );
    expect(config.tls).toEqual({ certPath: join(dir, 'cert.pem'), keyPath: join(dir, 'key.pem'), clientCAPaths: [join(dir, 'ca.pem')] });
    expect(() => parseConfig({ ...base, tls: { certPath: 'nope.pem', keyPath: 'key.pem' } }, {}, dir)).toThrow(
      /tls.certPath: file not found/,
    );
    expect(() => parseConfig({ ...valid, tls: { certPath: 'cert.pem', keyPath: 'key.pem' } }, {}, dir)).toThrow(/cannot be combined/);
  });

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
