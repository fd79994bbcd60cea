import { describe, expect, it } from 'vitest';
import { ArmRunnerError } from './errors.ts';
import { Logger, parseLogThreshold, type LogThreshold } from './log.ts';

function capture(level: LogThreshold): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: new Logger({ name: 'test', level, write: (line) => lines.push(line) }), lines };
}

function parsedLines(lines: string[]): Record<string, unknown>[] {
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('Logger', () => {
  it('writes one JSON line per event', () => {
    const { logger, lines } = capture('info');
    logger.info({ event: 'run.started', runId: 'abc' }, 'run started');

    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('\n')).toBe(true);
    expect(lines[0]?.indexOf('\n')).toBe((lines[0]?.length ?? 0) - 1);
    const [event] = parsedLines(lines);
    expect(event).toMatchObject({ level: 'info', name: 'test', pid: process.pid, event: 'run.started', runId: 'abc', msg: 'run started' });
    expect(Number.isNaN(Date.parse(String(event?.time)))).toBe(false);
  });

  it('drops events below its level', () => {
    const { logger, lines } = capture('warn');
    logger.debug({ event: 'a' }, 'debug');
    logger.info({ event: 'b' }, 'info');
    logger.warn({ event: 'c' }, 'warn');
    logger.error({ event: 'd' }, 'error');

    expect(parsedLines(lines).map((event) => event.level)).toEqual(['warn', 'error']);
  });

  it('follows a level set later', () => {
    const { logger, lines } = capture('info');
    logger.level = 'error';
    logger.warn({ event: 'hidden' }, 'hidden');
    logger.level = 'debug';
    logger.debug({ event: 'shown' }, 'shown');

    expect(logger.level).toBe('debug');
    expect(parsedLines(lines).map((event) => event.event)).toEqual(['shown']);
  });

  it('writes nothing when silent', () => {
    const { logger, lines } = capture('silent');
    logger.error({ event: 'failure' }, 'failure');

    expect(lines).toEqual([]);
  });

  it('serializes err with message, stack and code', () => {
    const { logger, lines } = capture('info');
    const failure = new ArmRunnerError('ENGINE_ERROR', 'The engine failed.', 'engine text');
    logger.error({ event: 'http.internal-error', err: failure }, 'request failed unexpectedly');

    const err = parsedLines(lines)[0]?.err as Record<string, unknown>;
    expect(err.type).toBe('ArmRunnerError');
    expect(err.message).toBe('The engine failed.');
    expect(err.code).toBe('ENGINE_ERROR');
    expect(err.detail).toBe('engine text');
    expect(String(err.stack)).toContain('log.test.ts');
  });

  it('serializes the code of a system error', () => {
    const { logger, lines } = capture('info');
    const failure = Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT', errno: -2 });
    logger.warn({ event: 'engine.down', err: failure }, 'engine down');

    expect(parsedLines(lines)[0]?.err).toMatchObject({ type: 'Error', message: 'connect ENOENT /var/run/docker.sock', code: 'ENOENT', errno: -2 });
  });

  it('keeps a thrown value that is not an Error as it is', () => {
    const { logger, lines } = capture('info');
    logger.warn({ event: 'odd', err: 'plain text' }, 'odd failure');

    expect(parsedLines(lines)[0]?.err).toBe('plain text');
  });

  it('survives circular fields and bigints', () => {
    const { logger, lines } = capture('info');
    const looped: Record<string, unknown> = { name: 'loop' };
    looped.self = looped;
    logger.info({ event: 'odd', looped, size: 10n }, 'odd fields');

    const [event] = parsedLines(lines);
    expect(event?.looped).toEqual({ name: 'loop', self: '[Circular]' });
    expect(event?.size).toBe('10');
  });

  it('puts msg after the fields, so a field cannot replace it', () => {
    const { logger, lines } = capture('info');
    logger.info({ event: 'e', msg: 'from fields' }, 'the message');

    expect(parsedLines(lines)[0]?.msg).toBe('the message');
  });
});

describe('parseLogThreshold', () => {
  it('defaults to info', () => {
    expect(parseLogThreshold(undefined)).toBe('info');
  });

  it('accepts each level in any case', () => {
    expect(parseLogThreshold('debug')).toBe('debug');
    expect(parseLogThreshold('WARN')).toBe('warn');
    expect(parseLogThreshold(' error ')).toBe('error');
    expect(parseLogThreshold('silent')).toBe('silent');
  });

  it('maps trace and fatal to the nearest level', () => {
    expect(parseLogThreshold('trace')).toBe('debug');
    expect(parseLogThreshold('fatal')).toBe('error');
  });

  it('returns undefined for an unknown level', () => {
    expect(parseLogThreshold('verbose')).toBeUndefined();
    expect(parseLogThreshold('')).toBeUndefined();
    expect(parseLogThreshold('constructor')).toBeUndefined();
  });
});
