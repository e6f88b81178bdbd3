import { progressLine } from './cli';

test('when half the items are done, then the bar is half full and shows the counts', () => {
  const line = progressLine(
    { phase: 'registering', done: 50, total: 100, bytes: 0, summary: { registered: 48, duplicate: 2 } },
    Date.now() - 10_000,
    10,
  );
  expect(line).toContain('[#####.....] 50/100');
  expect(line).toContain('registered 48, duplicate 2');
});
