import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { PolicyLoadError, startBot } from '../main.ts';

export async function serveCommand(): Promise<number> {
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL);
  let bot;
  try {
    bot = await startBot(config, log);
  } catch (err) {
    if (err instanceof PolicyLoadError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      log.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
  await bot.stop();
  return 0;
}
