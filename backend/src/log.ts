import os from 'node:os';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A threshold: the four event levels, or "silent" for none. */
export type LogThreshold = LogLevel | 'silent';

const SEVERITY: Record<LogThreshold, number> = { debug: 20, info: 30, warn: 40, error: 50, silent: Number.POSITIVE_INFINITY };

export interface LoggerOptions {
  name: string;
  level: LogThreshold;
  /** Receives each finished line, newline included. */
  write: (line: string) => void;
}

function isThreshold(value: string): value is LogThreshold {
  return Object.hasOwn(SEVERITY, value);
}

/** Turns an error into plain fields, because JSON.stringify gives {} for an Error. */
function serializeError(error: Error): Record<string, unknown> {
  const fields: Record<string, unknown> = { type: error.name, message: error.message, stack: error.stack };
  // Engine and product errors carry their own fields, such as code, statusCode and detail.
  for (const [key, value] of Object.entries(error)) {
    if (!(key in fields)) {
      fields[key] = value;
    }
  }
  if (error.cause !== undefined) {
    fields.cause = error.cause;
  }
  return fields;
}

function replaceSpecialValues(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    return serializeError(value);
  }
  return typeof value === 'bigint' ? value.toString() : value;
}

/** Serializes a log event. Circular references become "[Circular]" and bigints strings, because JSON.stringify throws on both. */
function toJsonLine(event: Record<string, unknown>): string {
  try {
    return JSON.stringify(event, replaceSpecialValues);
  } catch {
    const seen = new WeakSet<object>();
    return JSON.stringify(event, (key, value: unknown) => {
      const replaced = replaceSpecialValues(key, value);
      if (typeof replaced === 'object' && replaced !== null) {
        if (seen.has(replaced)) {
          return '[Circular]';
        }
        seen.add(replaced);
      }
      return replaced;
    });
  }
}

/**
 * A structured logger that writes one JSON object per event and line:
 * level, time, pid, hostname, name, the event's fields and msg.
 */
export class Logger {
  private threshold: number;
  private currentLevel: LogThreshold;
  private readonly base: { pid: number; hostname: string; name: string };

  constructor(private readonly options: LoggerOptions) {
    this.currentLevel = options.level;
    this.threshold = SEVERITY[options.level];
    this.base = { pid: process.pid, hostname: os.hostname(), name: options.name };
  }

  get level(): LogThreshold {
    return this.currentLevel;
  }

  set level(level: LogThreshold) {
    this.currentLevel = level;
    this.threshold = SEVERITY[level];
  }

  debug(fields: Record<string, unknown>, message: string): void {
    this.log('debug', fields, message);
  }

  info(fields: Record<string, unknown>, message: string): void {
    this.log('info', fields, message);
  }

  warn(fields: Record<string, unknown>, message: string): void {
    this.log('warn', fields, message);
  }

  error(fields: Record<string, unknown>, message: string): void {
    this.log('error', fields, message);
  }

  private log(level: LogLevel, fields: Record<string, unknown>, message: string): void {
    if (SEVERITY[level] < this.threshold) {
      return;
    }
    const event = { level, time: new Date().toISOString(), ...this.base, ...fields, msg: message };
    this.options.write(`${toJsonLine(event)}\n`);
  }
}

// trace and fatal are pino's names for the levels below debug and above error.
// They are accepted so that an ARM_RUNNER_LOG_LEVEL set for pino keeps working.
const LEVEL_ALIASES: Record<string, LogThreshold> = { trace: 'debug', fatal: 'error' };

/** Reads a threshold from ARM_RUNNER_LOG_LEVEL's value, or returns undefined for an unknown one. */
export function parseLogThreshold(value: string | undefined): LogThreshold | undefined {
  const normalized = (value ?? 'info').trim().toLowerCase();
  if (isThreshold(normalized)) {
    return normalized;
  }
  return Object.hasOwn(LEVEL_ALIASES, normalized) ? LEVEL_ALIASES[normalized] : undefined;
}

function createBackendLogger(): Logger {
  const configured = process.env.ARM_RUNNER_LOG_LEVEL;
  const threshold = parseLogThreshold(configured);
  // stderr, so that the CLI's stdout stays machine-readable.
  const created = new Logger({ name: 'arm-runner', level: threshold ?? 'info', write: (line) => process.stderr.write(line) });
  if (threshold === undefined) {
    created.warn({ event: 'log.level-invalid', value: configured }, 'ARM_RUNNER_LOG_LEVEL is not one of debug, info, warn, error or silent, so the level is info');
  }
  return created;
}

/** The backend's logger. The level comes from ARM_RUNNER_LOG_LEVEL and defaults to info. */
export const logger = createBackendLogger();
