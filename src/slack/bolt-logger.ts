import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import { redactSecrets } from '../guardrail/redact-secrets.ts';
import type { Logger } from '../logger.ts';

const boltToPino: Record<LogLevel, string> = {
  [LogLevel.DEBUG]: 'debug',
  [LogLevel.INFO]: 'info',
  [LogLevel.WARN]: 'warn',
  [LogLevel.ERROR]: 'error',
};

/** Bolt's and the Slack clients' logging, through tandem's pino logger. */
export function boltLogger(logger: Logger): BoltLogger {
  let level = LogLevel.INFO;
  let child = logger.child({ component: 'slack' });
  const write = (method: 'debug' | 'info' | 'warn' | 'error') => (...parts: unknown[]) => {
    // The Web API client logs several debug lines per call: a line the level drops is not
    // even formatted (redacting them all cost the gateway about 1.5 ms of CPU per task).
    if (!child.isLevelEnabled(method)) return;
    // Bolt's debug lines can quote payloads: secrets are redacted like everywhere else.
    child[method](redactSecrets(parts.map((part) => (part instanceof Error ? part.message : String(part))).join(' ')).text);
  };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    setLevel(next: LogLevel) {
      level = next;
      child.level = boltToPino[next];
    },
    getLevel: () => level,
    setName(name: string) {
      child = logger.child({ component: name });
    },
  };
}
