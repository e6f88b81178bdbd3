import { createLogger, REDACTED, scrub, type Logger } from './logger';

function capture(): { text: () => string; log: Logger } {
  const raw: string[] = [];
  const log = createLogger('debug', { mspId: 'Studio1MSP' }, (line) => raw.push(line));
  return { text: () => raw.join('\n'), log };
}

describe('logger', () => {
  test('when a line is written, then it is one JSON object with level name, ISO time, base fields and message', () => {
    const raw: string[] = [];
    createLogger('info', { mspId: 'Studio1MSP' }, (line) => raw.push(line)).info('gateway listening', { url: 'http://127.0.0.1:1' });
    expect(raw).toHaveLength(1);
    const line = JSON.parse(raw[0] ?? '') as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'info', mspId: 'Studio1MSP', url: 'http://127.0.0.1:1', msg: 'gateway listening' });
    expect(new Date(String(line.time)).toISOString()).toBe(line.time);
  });

  test('when the level is warn, then debug and info lines are dropped', () => {
    const raw: string[] = [];
    const log = createLogger('warn', {}, (line) => raw.push(line));
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(raw.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['w', 'e']);
  });

  test('when child loggers are made per request and component, then their lines carry every binding', () => {
    const raw: string[] = [];
    const log = createLogger('debug', { mspId: 'M' }, (line) => raw.push(line));
    log.child({ component: 'exchange' }).child({ requestId: 'r-1' }).debug('fetched');
    expect(JSON.parse(raw[0] ?? '')).toMatchObject({ mspId: 'M', component: 'exchange', requestId: 'r-1', msg: 'fetched' });
  });

  test('when fields hold API keys, Authorization headers, vault secrets or presigned URLs, then no secret reaches the line', () => {
    const secrets = ['kiseki_k_0123456789abcdef', 'vaultSecret0123456789', 'sigdeadbeef0123', 'AKIAEXAMPLE%2F20240101', 'bearer-token-xyz'];
    const { log, text } = capture();
    log.info('request', {
      apiKey: secrets[0],
      headers: { authorization: `Bearer ${secrets[4] ?? ''}` },
      vault: { accessKey: 'org1', secretKey: secrets[1] },
      url: `http://127.0.0.1:9000/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${secrets[3] ?? ''}&X-Amz-Signature=${secrets[2] ?? ''}`,
    });
    log.child({ req: { headers: { authorization: secrets[0] } } }).warn(`refused Bearer ${secrets[0] ?? ''}`);
    log.error('failed', { error: `GET http://v/b/o?X-Amz-Signature=${secrets[2] ?? ''} returned 403` });
    for (const secret of secrets) expect(text()).not.toContain(secret);
    expect(text()).toContain(REDACTED);
    expect(text()).toContain('X-Amz-Algorithm=AWS4-HMAC-SHA256');
  });

  test('when a string holds a signature or a bearer token, then scrub keeps the rest of it', () => {
    expect(scrub('http://h/o?a=1&X-Amz-Signature=abc&b=2')).toBe(`http://h/o?a=1&X-Amz-Signature=${REDACTED}&b=2`);
    expect(scrub('Authorization: Bearer abc.def')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(scrub('nothing secret')).toBe('nothing secret');
  });
});
