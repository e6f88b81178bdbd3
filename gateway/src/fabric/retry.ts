/** Exponential backoff with full jitter: a random delay in [0, base·2^attempt], capped. */
export function backoffDelay(attempt: number, baseMs: number, capMs = 5_000, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
