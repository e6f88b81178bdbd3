/** Progress output for long steps: a start line, a heartbeat while it runs, and the elapsed time. */
export interface Logger {
  info(message: string): void;
  step<T>(title: string, run: () => Promise<T>): Promise<T>;
}

const HEARTBEAT_MS = 15_000;

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export function consoleLogger(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Logger {
  return {
    info: (message) => {
      write(message);
    },
    async step<T>(title: string, run: () => Promise<T>): Promise<T> {
      const started = Date.now();
      write(`▸ ${title}`);
      const timer = setInterval(() => {
        write(`  … ${title} (${seconds(Date.now() - started)})`);
      }, HEARTBEAT_MS);
      timer.unref();
      try {
        const result = await run();
        write(`✓ ${title} (${seconds(Date.now() - started)})`);
        return result;
      } catch (error) {
        write(`✗ ${title} (${seconds(Date.now() - started)})`);
        throw error;
      } finally {
        clearInterval(timer);
      }
    },
  };
}

export const silentLogger: Logger = {
  info: () => undefined,
  step: (_title, run) => run(),
};
