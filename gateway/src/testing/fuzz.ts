import type { Role } from '../auth';
import type { AnyRoute } from '../http/route';

/**
 * Hostile requests for every route of the route table: random and adversarial bodies, queries, path
 * parameters and headers, from a seeded generator so a failing case can be replayed from its number.
 * Used by the fuzz tests of both tiers (fakes, and the real network and vault).
 */

export interface FuzzCase {
  index: number;
  method: string;
  route: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** The role whose key is sent (unless the headers carry a hostile one instead). */
  role?: Role;
}

/** A small seeded PRNG (mulberry32): the same seed gives the same cases on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ROLES: readonly Role[] = ['studio-operator', 'licensor-operator', 'provider-agent', 'auditor', 'regulator'];

const STRINGS: readonly string[] = [
  '',
  ' ',
  'a',
  'x'.repeat(300),
  'x'.repeat(70_000),
  '../../etc/passwd',
  '..%2f..%2f',
  '%00',
  '\u0000',
  '\uffff\ud800',
  '😀'.repeat(40),
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '{"$gt":""}',
  '__proto__',
  'constructor',
  'prototype',
  'NaN',
  'Infinity',
  '-1',
  '0',
  '1e309',
  '99999999999999999999999999999999999',
  '0x10',
  '2024-13-45T99:99:99Z',
  '2024-01-01T00:00:00Z',
  'a'.repeat(64),
  'A'.repeat(64),
  'image/png',
  'text/plain;charset=utf-8',
  'https://127.0.0.1/',
  'http://[::1]:1/',
  'https://169.254.169.254/latest/meta-data',
  'file:///etc/passwd',
  'Studio1MSP',
  'RegulatorMSP',
  'g'.repeat(129),
  'data:1',
  '1:' + 'f'.repeat(64),
];

const NUMBERS: readonly unknown[] = [0, -1, 1, 1.5, -0, 10_001, 2 ** 53, -(2 ** 63), 1e308, Number.MAX_SAFE_INTEGER];

/** Raw JSON texts the parser or the validators could choke on. */
function hostileJsonTexts(pick: <T>(items: readonly T[]) => T, random: () => number): string[] {
  const depth = 50 + Math.floor(random() * 200_000);
  return [
    '[',
    '{',
    '{"a":}',
    '{"a":1,}',
    'null',
    'true',
    '"string"',
    '123',
    '[]',
    '{}',
    '\ufeff{}',
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '{"a":1,"a":2}',
    `${'['.repeat(depth)}${']'.repeat(depth)}`,
    `{"items":${'['.repeat(depth)}${']'.repeat(depth)}}`,
    `{"a":${'{"a":'.repeat(64)}1${'}'.repeat(64)}}`,
    '['.repeat(depth),
    `"${'\\u0000'.repeat(1000)}"`,
    `{"x":"${'\\ud800'.repeat(100)}"}`,
    `{"n":1e999999}`,
    `[${Array.from({ length: 5000 }, () => '0').join(',')}]`,
    JSON.stringify({ [pick(STRINGS)]: pick(STRINGS) }),
  ];
}

/** A random JSON value up to a small depth. */
function randomValue(random: () => number, pick: <T>(items: readonly T[]) => T, depth = 0): unknown {
  const r = random();
  if (depth > 3 || r < 0.35) return pick(STRINGS);
  if (r < 0.5) return pick(NUMBERS);
  if (r < 0.55) return random() < 0.5;
  if (r < 0.6) return null;
  if (r < 0.8) return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, pick, depth + 1));
  const keys = [
    'items',
    'dataIds',
    'holders',
    'url',
    'events',
    'termsId',
    'modelId',
    'outputId',
    'amount',
    'shareBps',
    '__proto__',
    pick(STRINGS),
  ];
  return Object.fromEntries(Array.from({ length: Math.floor(random() * 5) }, () => [pick(keys), randomValue(random, pick, depth + 1)]));
}

/** A body shaped like the route's schema, with one or more fields replaced by hostile values. */
function mutatedShape(route: AnyRoute, random: () => number, pick: <T>(items: readonly T[]) => T): Record<string, unknown> {
  const shape = (route.body as { shape?: Record<string, unknown> } | undefined)?.shape ?? {};
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(shape)) out[key] = random() < 0.5 ? pick(STRINGS) : randomValue(random, pick);
  if (random() < 0.3) out[pick(['extra', '__proto__', 'constructor'])] = randomValue(random, pick);
  return out;
}

const HOSTILE_HEADERS: readonly [string, string][] = [
  ['authorization', 'Bearer '],
  ['authorization', 'Bearer ' + 'x'.repeat(8_000)],
  ['authorization', 'Basic Zm9vOmJhcg=='],
  ['x-api-key', '\u00ff\u00fe'],
  ['idempotency-key', 'k'.repeat(400)],
  ['idempotency-key', ' '],
  ['x-request-id', '../../' + 'r'.repeat(500)],
  ['last-event-id', 'not-an-id'],
  ['last-event-id', '99999999999999999999999999:' + 'f'.repeat(64)],
  ['content-type', 'application/json; charset=utf-16'],
  ['content-type', 'application/json; charset=bogus'],
  ['content-type', 'multipart/form-data; boundary=x'],
  ['content-type', '*/*'],
  ['content-encoding', 'gzip'],
  ['content-encoding', 'br'],
  ['accept', 'text/event-stream'],
];

const PATH_VALUES: readonly string[] = [
  'x',
  'a'.repeat(200),
  '%E0%A4%A',
  '%',
  '%00',
  '..',
  '%2e%2e%2f',
  enc('😀'),
  enc('id with space'),
  '00000000-0000-0000-0000-000000000000',
  'Studio1MSP',
];

/** Percent-encodes any string, lone surrogates included (as the UTF-8 of U+FFFD, like a browser). */
function enc(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0').toUpperCase()}`,
    )
    .join('');
}

const QUERY_KEYS: readonly string[] = [
  'limit',
  'cursor',
  'dataId',
  'providerId',
  'termsId',
  'modelId',
  'mediaType',
  'startBlock',
  'events',
  'lastEventId',
  'collectorMsp',
  'leafIndex',
  'dataIds',
  '__proto__',
  'x',
];

/**
 * `count` cases spread over every route (the route table), deterministic for a seed.
 * @param routes the gateway's route table.
 */
export function fuzzCases(routes: readonly AnyRoute[], count: number, seed = 0x4b15e): FuzzCase[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const cases: FuzzCase[] = [];
  for (let index = 0; index < count; index += 1) {
    const route = routes[index % routes.length] as AnyRoute;
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, () => (random() < 0.5 ? pick(PATH_VALUES) : enc(pick(STRINGS).slice(0, 300))));
    const query = Array.from({ length: Math.floor(random() * 5) }, () => {
      const value = random() < 0.7 ? pick(STRINGS).slice(0, 2_000) : String(pick(NUMBERS));
      return `${enc(pick(QUERY_KEYS))}${random() < 0.1 ? '[a]' : ''}=${random() < 0.1 ? '%' : enc(value)}`;
    });
    const headers: Record<string, string> = {};
    let role: Role | undefined = random() < 0.8 ? (random() < 0.6 ? 'studio-operator' : pick(ROLES)) : undefined;
    if (random() < 0.3) {
      const [name, value] = pick(HOSTILE_HEADERS);
      headers[name] = value;
      if (name === 'authorization' || name === 'x-api-key') role = undefined;
    }
    let body: string | Uint8Array | undefined;
    if (route.method !== 'get' && route.method !== 'delete') {
      const r = random();
      if (route.upload !== undefined) {
        body = r < 0.5 ? new Uint8Array(Math.floor(random() * 4096)).map(() => Math.floor(random() * 256)) : pick(STRINGS);
        headers['content-type'] ??= random() < 0.7 ? 'application/octet-stream' : pick(['', 'image/png', 'x', 'application/json']);
      } else {
        body =
          r < 0.4
            ? pick(hostileJsonTexts(pick, random))
            : r < 0.75
              ? JSON.stringify(mutatedShape(route, random, pick))
              : JSON.stringify(randomValue(random, pick));
        headers['content-type'] ??= random() < 0.9 ? 'application/json' : pick(['text/plain', 'application/x-www-form-urlencoded', '']);
      }
      if (headers['content-type'] === '') delete headers['content-type'];
      if (random() < 0.2) headers['idempotency-key'] ??= `fuzz-${Math.floor(random() * 20)}`;
    } else if (random() < 0.05) {
      body = undefined;
    }
    cases.push({
      index,
      method: route.method.toUpperCase(),
      route: `${route.method.toUpperCase()} ${route.path}`,
      path: `${path}${query.length > 0 ? `?${query.join('&')}` : ''}`,
      headers,
      ...(body === undefined ? {} : { body }),
      ...(role === undefined ? {} : { role }),
    });
  }
  return cases;
}

export interface FuzzOutcome {
  cases: number;
  byStatus: Record<number, number>;
  /** Cases answered 5xx, or whose error body lacked the standard shape, or that failed to answer. */
  failures: string[];
}

/**
 * Sends every case (a few at a time) and collects what came back. Streams (event routes) are read only
 * to their status and then dropped.
 */
export async function runFuzz(
  cases: readonly FuzzCase[],
  send: (c: FuzzCase, signal: AbortSignal) => Promise<Response>,
  concurrency = 8,
): Promise<FuzzOutcome> {
  const outcome: FuzzOutcome = { cases: cases.length, byStatus: {}, failures: [] };
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < cases.length; i = next++) {
      const c = cases[i] as FuzzCase;
      const controller = new AbortController();
      try {
        const res = await send(c, controller.signal);
        outcome.byStatus[res.status] = (outcome.byStatus[res.status] ?? 0) + 1;
        const type = res.headers.get('content-type') ?? '';
        if (type.startsWith('text/event-stream')) {
          controller.abort();
        } else {
          const text = await res.text();
          if (res.status >= 500)
            outcome.failures.push(`#${c.index} ${c.route} ${c.path.slice(0, 120)} → ${res.status} ${text.slice(0, 200)}`);
          else if (res.status >= 400) {
            const parsed = safeJson(text) as { error?: { code?: unknown; message?: unknown } } | undefined;
            if (typeof parsed?.error?.code !== 'string' || typeof parsed.error.message !== 'string') {
              outcome.failures.push(`#${c.index} ${c.route} → ${res.status} without the standard error body: ${text.slice(0, 120)}`);
            }
          }
        }
      } catch (error) {
        if (!controller.signal.aborted)
          outcome.failures.push(`#${c.index} ${c.route} ${c.path.slice(0, 120)} → no answer: ${String(error)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcome;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
