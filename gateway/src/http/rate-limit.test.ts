import { AppError } from '../errors';
import { RateLimiter } from './rate-limit';

describe('RateLimiter', () => {
  test('when a client spends its burst, then the next request is TOO_MANY_REQUESTS with Retry-After, and tokens come back over time', () => {
    let now = 0;
    const limiter = new RateLimiter(60, 3, 100, () => now);
    for (let i = 0; i < 3; i += 1) limiter.take('a');
    let refused: unknown;
    try {
      limiter.take('a');
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).httpStatus).toBe(429);
    expect((refused as AppError).headers['Retry-After']).toBe('1');
    limiter.take('b');
    now += 1_000;
    expect(() => {
      limiter.take('a');
    }).not.toThrow();
  });

  test('when more clients than the table holds are seen, then the oldest is forgotten and starts afresh', () => {
    const limiter = new RateLimiter(1, 1, 2, () => 0);
    limiter.take('a');
    limiter.take('b');
    limiter.take('c');
    expect(() => {
      limiter.take('a');
    }).not.toThrow();
    expect(() => {
      limiter.take('c');
    }).toThrow(AppError);
  });
});
