import type { ServerResponse } from 'node:http';

/**
 * Calls `fn` once: when the handler ends the response (`res.end`), or when the connection closes
 * before that. Per-key slots are released here rather than on 'finish', which waits for the socket's
 * write callback: a client can have its answer and its next request already read by then, and be
 * counted twice for a moment. When many answers go out at once (the commits of one block), a client
 * holding 50 requests in flight was counted as up to 84.
 */
export function onResponseEnd(res: ServerResponse, fn: () => void): void {
  let called = false;
  const once = (): void => {
    if (called) return;
    called = true;
    fn();
  };
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.end = ((...args: unknown[]): ServerResponse => {
    once();
    return end(...args);
  }) as ServerResponse['end'];
  res.once('close', once);
}
