import { KisekiError } from './errors';
import { Bool, Bps, Digest, Id, idSet, list, MediaType, parseRequest, record, Size, text, Timestamp } from './schema';
import { formatTime, parseIdArgument, parseJsonObject, parseRfc3339 } from './validate';

const DIGEST = 'a'.repeat(64);

function problems(run: () => void): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(KisekiError);
    expect((error as KisekiError).code).toBe('INVALID');
    return [...(error as KisekiError).details];
  }
  throw new Error('expected INVALID');
}

describe('parseRfc3339', () => {
  it.each([
    ['2025-04-01T00:00:00Z', Date.UTC(2025, 3, 1)],
    ['2025-04-01T09:00:00+09:00', Date.UTC(2025, 3, 1)],
    ['2025-03-31T20:30:00-03:30', Date.UTC(2025, 3, 1)],
    ['2024-02-29T12:00:00.1234Z', Date.UTC(2024, 1, 29, 12, 0, 0, 123)],
  ])('when given %s, then it is that instant', (text, ms) => {
    expect(parseRfc3339(text)).toBe(ms);
  });

  it.each([
    '2025-02-29T00:00:00Z',
    '2025-13-01T00:00:00Z',
    '2025-04-01T24:00:00Z',
    '2025-04-01T00:00:60Z',
    '2025-04-01',
    '2025-04-01T00:00:00',
    '1969-12-31T23:59:59Z',
    42,
    '2025-04-01t00:00:00z',
  ])('when given %s, then it is refused', (text) => {
    expect(parseRfc3339(text)).toBeUndefined();
  });

  it('formats the stored form', () => {
    expect(formatTime(Date.UTC(2025, 3, 1))).toBe('2025-04-01T00:00:00.000Z');
  });
});

describe('parseJsonObject', () => {
  it.each(['', 'nope', '[1]', 'null', '"text"'])('when given %j, then INVALID', (text) => {
    expect(() => parseJsonObject(text)).toThrow(/^INVALID: /);
  });

  it('when given too much, then INVALID', () => {
    expect(() => parseJsonObject(`{"a":"${'x'.repeat(3 * 1024 * 1024)}"}`)).toThrow(/exceeds/);
  });
});

describe('request schemas', () => {
  const Item = record({ id: Id });
  const Request = record({
    id: Id,
    digest: Digest,
    type: MediaType,
    size: Size,
    flag: Bool,
    when: Timestamp,
    bps: Bps,
    note: text(10),
    list: idSet(1, 5),
    nested: Item.optional(),
    items: list(Item, 1, 5),
    optional: Id.optional(),
    required: Id.optional(),
  });
  const WithRequired = Request.extend({ required: Id });

  it('when every field is right, then values come back typed and normalized', () => {
    const input = {
      id: 'd-1.a:b_c',
      digest: DIGEST,
      type: 'image/png',
      size: 12,
      flag: false,
      when: '2025-04-01T09:00:00+09:00',
      bps: 10000,
      note: 'ok',
      list: ['a', 'b'],
      nested: { id: 'x' },
      items: [{ id: 'y' }],
    };
    expect(parseRequest(Request, JSON.stringify(input))).toEqual({ ...input, when: '2025-04-01T00:00:00.000Z' });
  });

  it('when several fields are wrong, then one INVALID lists every problem with its path', () => {
    const details = problems(() => {
      parseRequest(
        WithRequired,
        JSON.stringify({
          id: '-bad',
          digest: DIGEST.toUpperCase(),
          type: 'image/png; q=1',
          size: 0,
          flag: 'true',
          when: 'yesterday',
          bps: 10001,
          note: 'line\nbreak',
          list: ['a', 'a', 7],
          items: [{ id: 'ok' }, { id: '', extra: 1 }],
          unknown: true,
        }),
      );
    });
    expect(details.map((d) => d.split(':')[0]).sort()).toEqual(
      [
        'id',
        'digest',
        'type',
        'size',
        'flag',
        'when',
        'bps',
        'note',
        'list[2]',
        'items[1].id',
        'items[1].extra',
        'required',
        'unknown',
      ].sort(),
    );
    expect(details).toContain('required: is required');
    expect(details).toContain('unknown: is not a known field');
  });

  it('when a list repeats an id, then the repeat is named at its position', () => {
    expect(
      problems(() =>
        parseRequest(
          Request,
          JSON.stringify({
            ...{ id: 'a', digest: DIGEST, type: 'a/b', size: 1, flag: true },
            when: '2025-04-01T00:00:00Z',
            bps: 1,
            note: 'n',
            list: ['a', 'a'],
            items: [{ id: 'y' }],
          }),
        ),
      ),
    ).toEqual(['list[1]: duplicates a']);
  });

  it('when the argument is not an ID, then INVALID', () => {
    expect(parseIdArgument('m-1', 'modelId')).toBe('m-1');
    expect(() => parseIdArgument('{"modelId":"m-1"}', 'modelId')).toThrow(/^INVALID: modelId must be an ID/);
  });
});
