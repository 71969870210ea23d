import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  name?: string;
  /** Where JSON lines go. Default: stderr, so stdout stays free for command output. */
  destination?: DestinationStream;
}

/** Structured JSON logs; credentials are censored wherever they appear under these keys. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      name: options.name ?? 'agentlane',
      level: options.level ?? 'info',
      redact: {
        paths: [
          'databaseUrl',
          '*.databaseUrl',
          'password',
          '*.password',
          'token',
          '*.token',
          'authorization',
          '*.authorization',
          'headers.authorization',
          '*.anthropicApiKey',
          '*.openaiApiKey',
          'privateKey',
          '*.privateKey',
          '*.*.privateKey',
          'webhookSecret',
          '*.webhookSecret',
        ],
        censor: '***',
      },
    },
    options.destination ?? pino.destination(2),
  );
}

/** A logger that drops everything; handy default for library callers and tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
