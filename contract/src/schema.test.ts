import { describe, expect, it } from 'vitest';
import { array, boolean, describeType, number, oneOf, optional, strictObject, string, withDefault, ValidationError, type Issue } from './schema.ts';

function issuesOf(result: { success: boolean; issues?: Issue[] }): Issue[] {
  return result.success ? [] : (result.issues ?? []);
}

describe('string', () => {
  it('trims before the length checks', () => {
    const schema = string({ trim: true, min: 1, max: 3 });
    expect(schema.parse('  abc  ')).toBe('abc');
    expect(issuesOf(schema.safeParse('   '))).toEqual([{ path: [], message: 'must not be empty' }]);
  });

  it('keeps whitespace without trim', () => {
    expect(string({ max: 4 }).parse(' ab ')).toBe(' ab ');
  });

  it('uses the given messages', () => {
    const schema = string({ min: 1, max: 2, pattern: /^a*$/, messages: { min: 'Empty.', max: 'Too long.', pattern: 'Only a.' } });
    expect(issuesOf(schema.safeParse('')).map((issue) => issue.message)).toEqual(['Empty.']);
    expect(issuesOf(schema.safeParse('bbb')).map((issue) => issue.message)).toEqual(['Too long.', 'Only a.']);
  });

  it('names the received type', () => {
    expect(issuesOf(string().safeParse(42))).toEqual([{ path: [], message: 'expected a string, received a number' }]);
    expect(issuesOf(string().safeParse(undefined))).toEqual([{ path: [], message: 'missing, expected a string' }]);
  });
});

describe('number', () => {
  it('checks whole numbers and ranges', () => {
    const schema = number({ integer: true, min: 1, max: 10 });
    expect(schema.parse(10)).toBe(10);
    expect(issuesOf(schema.safeParse(1.5)).map((issue) => issue.message)).toEqual(['expected a whole number, received 1.5']);
    expect(issuesOf(schema.safeParse(0)).map((issue) => issue.message)).toEqual(['must be at least 1']);
    expect(issuesOf(schema.safeParse(11)).map((issue) => issue.message)).toEqual(['must be at most 10']);
  });

  it('rejects strings unless told to convert them', () => {
    expect(issuesOf(number().safeParse('5')).map((issue) => issue.message)).toEqual(['expected a number, received "5"']);
    expect(number({ fromString: true }).parse('5')).toBe(5);
    expect(number({ fromString: true }).parse(' 7 ')).toBe(7);
  });

  it('rejects text that is not a number', () => {
    expect(issuesOf(number({ integer: true, fromString: true }).safeParse('abc')).map((issue) => issue.message)).toEqual(['expected a whole number, received "abc"']);
    expect(number({ fromString: true }).safeParse(['1', '2']).success).toBe(false);
    expect(number({ fromString: true }).safeParse('Infinity').success).toBe(false);
  });
});

describe('boolean', () => {
  it('accepts only true and false', () => {
    expect(boolean().parse(false)).toBe(false);
    expect(issuesOf(boolean().safeParse('yes'))).toEqual([{ path: [], message: 'expected true or false, received a string' }]);
  });
});

describe('oneOf', () => {
  it('lists the allowed values', () => {
    const schema = oneOf(['tcp', 'udp']);
    expect(schema.parse('udp')).toBe('udp');
    expect(issuesOf(schema.safeParse('sctp'))).toEqual([{ path: [], message: 'expected one of "tcp", "udp", received "sctp"' }]);
    expect(issuesOf(schema.safeParse(6))).toEqual([{ path: [], message: 'expected one of "tcp", "udp", received a number' }]);
  });
});

describe('array', () => {
  it('checks its length and each item with its index', () => {
    const schema = array(number(), { min: 1, max: 3 });
    expect(schema.parse([1, 2])).toEqual([1, 2]);
    expect(issuesOf(schema.safeParse([]))).toEqual([{ path: [], message: 'must have at least 1 item' }]);
    expect(issuesOf(schema.safeParse([1, 2, 3, 4]))).toEqual([{ path: [], message: 'must have at most 3 items' }]);
    expect(issuesOf(schema.safeParse([1, 'x']))).toEqual([{ path: [1], message: 'expected a number, received "x"' }]);
  });
});

describe('strictObject', () => {
  const schema = strictObject<{ name: string; size?: number; tags: string[]; on: boolean }>({
    name: string({ min: 1 }),
    size: optional(number()),
    tags: withDefault(array(string()), []),
    on: withDefault(boolean(), false),
  });

  it('fills in defaults and leaves optional fields out', () => {
    const parsed = schema.parse({ name: 'a' });
    expect(parsed).toEqual({ name: 'a', tags: [], on: false });
    expect(Object.keys(parsed)).toEqual(['name', 'tags', 'on']);
  });

  it('gives every parse its own default array', () => {
    const first = schema.parse({ name: 'a' });
    first.tags.push('changed');
    expect(schema.parse({ name: 'b' }).tags).toEqual([]);
  });

  it('collects every problem with its path', () => {
    expect(issuesOf(schema.safeParse({ name: '', size: 'big', tags: ['ok', 3], on: null }))).toEqual([
      { path: ['name'], message: 'must not be empty' },
      { path: ['size'], message: 'expected a number, received "big"' },
      { path: ['tags', 1], message: 'expected a string, received a number' },
      { path: ['on'], message: 'expected true or false, received null' },
    ]);
  });

  it('rejects unknown fields by name', () => {
    expect(issuesOf(schema.safeParse({ name: 'a', privileged: true }))).toEqual([{ path: [], message: 'unknown field "privileged"' }]);
    expect(issuesOf(schema.safeParse({ name: 'a', x: 1, y: 2 }))).toEqual([{ path: [], message: 'unknown fields "x", "y"' }]);
  });

  it('ignores inherited properties', () => {
    const withPrototype = Object.create({ name: 'inherited' }) as object;
    expect(issuesOf(schema.safeParse(withPrototype))).toEqual([{ path: ['name'], message: 'missing, expected a string' }]);
  });

  it('rejects a value that is not a plain object', () => {
    expect(issuesOf(schema.safeParse([]))).toEqual([{ path: [], message: 'expected an object, received an array' }]);
    expect(issuesOf(schema.safeParse(null))).toEqual([{ path: [], message: 'expected an object, received null' }]);
  });
});

describe('Schema.parse', () => {
  it('throws a ValidationError with every issue', () => {
    const schema = strictObject<{ a: number; b: number }>({ a: number(), b: number() });
    let thrown: unknown;
    try {
      schema.parse({ a: 'x' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).issues).toHaveLength(2);
    expect((thrown as ValidationError).message).toBe('a: expected a number, received "x"; b: missing, expected a number');
  });
});

describe('describeType', () => {
  it('names each JSON type', () => {
    expect([undefined, null, [], {}, 'a', 1, true].map(describeType)).toEqual(['nothing', 'null', 'an array', 'an object', 'a string', 'a number', 'a boolean']);
  });
});
