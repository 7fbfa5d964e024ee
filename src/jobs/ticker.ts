// A process-local timer for the rounds that make replicas agree through Postgres (the watchdog's
// heartbeat, the weekly digest): each round only asks the database whether something is due, so
// every replica runs its own timer, and the database decides who does the work.

export interface Ticker {
  /** Runs one round now (tests call it instead of waiting); skipped while one is still running. */
  tick(): Promise<void>;
  stop(): void;
}

/**
 * Runs `round` now and every `intervalSeconds`, one round at a time in this process: a slow database
 * must not pile rounds up. The timer never keeps the process alive; `round` handles its own errors.
 */
export function startTicker(round: () => Promise<void>, intervalSeconds: number): Ticker {
  let running = false;
  async function tick(): Promise<void> {
    if (running) return;
    running = true;
    try {
      await round();
    } finally {
      running = false;
    }
  }
  const timer = setInterval(() => void tick(), intervalSeconds * 1000);
  timer.unref();
  void tick();
  return { tick, stop: () => clearInterval(timer) };
}
