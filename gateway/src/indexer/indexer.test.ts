import { joinKey, jsonValue, splitKey } from './blocks';
import { parseFilter, toCsv } from './audit';

describe('index projection helpers', () => {
  it('when a composite key is split and joined, then it round-trips; a plain key keeps its text', () => {
    const key = '\u0000data\u0000d-1\u0000';
    expect(splitKey(key)).toEqual({ keyType: 'data', keyAttrs: ['d-1'] });
    expect(joinKey('data', ['d-1'])).toBe(key);
    expect(splitKey('\u0000trainingSet\u0000m\u0000d\u0000')).toEqual({ keyType: 'trainingSet', keyAttrs: ['m', 'd'] });
    expect(splitKey('plain')).toEqual({ keyType: '', keyAttrs: ['plain'] });
    expect(joinKey('', ['plain'])).toBe('plain');
  });

  it('when a value is JSON, then it is kept as JSON; a marker byte, bad UTF-8 or U+0000 inside is not', () => {
    expect(jsonValue(new TextEncoder().encode('{"a":1}'))).toEqual({ a: 1 });
    expect(jsonValue(new Uint8Array([0]))).toBeUndefined();
    expect(jsonValue(new Uint8Array([0xff, 0xfe]))).toBeUndefined();
    expect(jsonValue(new TextEncoder().encode('{"a":"\\u0000"}'))).toBeUndefined();
    expect(jsonValue(new Uint8Array())).toBeUndefined();
  });
});

describe('audit query helpers', () => {
  it('when a filter names fields, then it parses to field → value; a bad field name is refused', () => {
    expect(parseFilter('status:disputed,termsId:t:1')).toEqual({ status: 'disputed', termsId: 't:1' });
    expect(parseFilter(undefined)).toEqual({});
    expect(() => parseFilter('bad field:x')).toThrow(/field:value/);
    expect(() => parseFilter('novalue')).toThrow(/field:value/);
  });

  it('when rows become CSV, then the header is the union of keys and cells are quoted as RFC 4180 asks', () => {
    expect(
      toCsv([
        { a: 'x', b: 1 },
        { a: 'y,"z"', c: { n: 2 } },
      ]),
    ).toBe('a,b,c\r\nx,1,\r\n"y,""z""",,"{""n"":2}"\r\n');
    expect(toCsv([])).toBe('\r\n');
  });
});
