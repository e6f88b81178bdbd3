import { createHash } from 'node:crypto';

import { GENERATION_FORMAT, generationBytes, generationDigest, parseGenerationRecord, promptDigest } from './generation';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
const request = {
  outputId: 'o-1',
  modelId: 'm-1',
  modelVersion: 2,
  prompt: 'a girl on a rooftop at dusk,\nwatercolour',
  negativePrompt: 'blurry',
  seed: '18446744073709551615',
  sampler: 'dpmpp_2m',
  steps: 30,
  guidance: 7.5,
  params: { width: 1024, height: 576, scheduler: 'karras' },
  software: { name: 'ComfyUI', version: '0.3.10' },
};

describe('generation records', () => {
  it('when a record is parsed, then prompts get their digests and the bytes are sorted-key JSON', () => {
    const { record, issues } = parseGenerationRecord(request);
    expect(issues).toEqual([]);
    expect(record).toMatchObject({
      format: GENERATION_FORMAT,
      promptDigest: sha(request.prompt),
      negativePromptDigest: sha('blurry'),
      seed: request.seed,
    });
    const bytes = generationBytes(record as NonNullable<typeof record>).toString('utf8');
    expect(bytes.startsWith('{"format":')).toBe(true);
    expect(generationDigest(record as NonNullable<typeof record>)).toBe(sha(bytes));
  });

  it('when fields come in another order or the seed as a number, then the digest is the same', () => {
    const a = parseGenerationRecord({ ...request, seed: 42 }).record;
    const reordered = Object.fromEntries(Object.entries({ ...request, seed: '42' }).reverse());
    const b = parseGenerationRecord(reordered).record;
    expect(a && generationDigest(a)).toBe(b && generationDigest(b));
  });

  it('when only digests of the prompts are given, then the prompts are not kept', () => {
    const rest: Record<string, unknown> = { ...request };
    delete rest.prompt;
    delete rest.negativePrompt;
    const { record } = parseGenerationRecord({ ...rest, promptDigest: promptDigest('secret'), negativePromptDigest: promptDigest('x') });
    expect(record?.prompt).toBeUndefined();
    expect(record?.promptDigest).toBe(sha('secret'));
    expect(generationBytes(record as NonNullable<typeof record>).toString('utf8')).not.toContain('secret');
  });

  it('when the prompt is missing, a digest disagrees or fields are bad, then every issue is named', () => {
    const rest: Record<string, unknown> = { ...request };
    delete rest.prompt;
    expect(parseGenerationRecord(rest).issues.map((i) => i.path)).toEqual(['prompt']);
    expect(parseGenerationRecord({ ...request, promptDigest: sha('other') }).issues.map((i) => i.path)).toEqual(['promptDigest']);
    const bad = parseGenerationRecord({ ...request, steps: 0, guidance: Number.NaN, seed: -1, software: { name: 'x' }, colour: 'red' });
    expect(bad.record).toBeUndefined();
    expect(bad.issues.map((i) => i.path).sort()).toEqual(['colour', 'guidance', 'seed', 'software.version', 'steps']);
  });
});
