// Small validators for request bodies, queries and path parameters. Each
// schema checks a value, fills in defaults and collects every problem with
// the path of the field, so that one reply can list all of them.
//
// The factories are marked free of side effects, so that bundlers can drop
// the schemas from the UI, which checks no requests itself.

export type IssuePath = (string | number)[];

export interface Issue {
  /** Field names and array indexes from the top of the value. Empty for the value itself. */
  path: IssuePath;
  message: string;
}

export type ParseResult<T> = { success: true; data: T } | { success: false; issues: Issue[] };

/** Thrown by Schema.parse, with every problem found. */
export class ValidationError extends Error {
  readonly issues: Issue[];

  constructor(issues: Issue[]) {
    super(issues.map((issue) => (issue.path.length === 0 ? issue.message : `${issue.path.join('.')}: ${issue.message}`)).join('; '));
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

/**
 * Checks `value` and returns the parsed output. Problems go into `issues`,
 * and the output is then meaningless, so callers look at `issues` first.
 */
type Check<T> = (value: unknown, path: IssuePath, issues: Issue[]) => T;

export class Schema<T> {
  /** True for schemas whose field may be left out of an object. */
  readonly optional: boolean;

  constructor(
    readonly check: Check<T>,
    optional = false,
  ) {
    this.optional = optional;
  }

  safeParse(value: unknown): ParseResult<T> {
    const issues: Issue[] = [];
    const data = this.check(value, [], issues);
    return issues.length === 0 ? { success: true, data } : { success: false, issues };
  }

  /** Returns the parsed value, or throws a ValidationError. */
  parse(value: unknown): T {
    const result = this.safeParse(value);
    if (!result.success) {
      throw new ValidationError(result.issues);
    }
    return result.data;
  }
}

/** Names the JSON type of a value for messages: "received a number". */
export function describeType(value: unknown): string {
  if (value === undefined) {
    return 'nothing';
  }
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function typeMismatch(expected: string, value: unknown): string {
  return value === undefined ? `missing, expected ${expected}` : `expected ${expected}, received ${describeType(value)}`;
}

export interface StringOptions {
  /** Removes leading and trailing whitespace before the length checks. */
  trim?: boolean;
  min?: number;
  max?: number;
  pattern?: RegExp;
  /** Messages that replace the generic ones, for limits a user meets often. */
  messages?: { min?: string; max?: string; pattern?: string };
}

/* @__NO_SIDE_EFFECTS__ */
export function string(options: StringOptions = {}): Schema<string> {
  return new Schema((value, path, issues) => {
    if (typeof value !== 'string') {
      issues.push({ path, message: typeMismatch('a string', value) });
      return '';
    }
    const text = options.trim === true ? value.trim() : value;
    if (options.min !== undefined && text.length < options.min) {
      const generic = options.min === 1 ? 'must not be empty' : `must be at least ${options.min} characters long`;
      issues.push({ path, message: options.messages?.min ?? generic });
    }
    if (options.max !== undefined && text.length > options.max) {
      issues.push({ path, message: options.messages?.max ?? `must be at most ${options.max} characters long` });
    }
    if (options.pattern !== undefined && !options.pattern.test(text)) {
      issues.push({ path, message: options.messages?.pattern ?? `must match ${String(options.pattern)}` });
    }
    return text;
  });
}

export interface NumberOptions {
  integer?: boolean;
  min?: number;
  max?: number;
  /**
   * Converts a string with Number() first, for query parameters, which
   * arrive as text. Number('') is 0, and surrounding whitespace is ignored.
   */
  fromString?: boolean;
}

/* @__NO_SIDE_EFFECTS__ */
export function number(options: NumberOptions = {}): Schema<number> {
  const expected = options.integer === true ? 'a whole number' : 'a number';
  return new Schema((value, path, issues) => {
    const converted = options.fromString === true && typeof value === 'string' ? Number(value) : value;
    if (typeof converted !== 'number' || !Number.isFinite(converted)) {
      const received = typeof value === 'string' ? `"${value}"` : describeType(value);
      issues.push({ path, message: value === undefined ? typeMismatch(expected, value) : `expected ${expected}, received ${received}` });
      return 0;
    }
    if (options.integer === true && !Number.isInteger(converted)) {
      issues.push({ path, message: `expected a whole number, received ${converted}` });
    }
    if (options.min !== undefined && converted < options.min) {
      issues.push({ path, message: `must be at least ${options.min}` });
    }
    if (options.max !== undefined && converted > options.max) {
      issues.push({ path, message: `must be at most ${options.max}` });
    }
    return converted;
  });
}

/* @__NO_SIDE_EFFECTS__ */
export function boolean(): Schema<boolean> {
  return new Schema((value, path, issues) => {
    if (typeof value !== 'boolean') {
      issues.push({ path, message: typeMismatch('true or false', value) });
      return false;
    }
    return value;
  });
}

/** Accepts one of a fixed list of strings. */
/* @__NO_SIDE_EFFECTS__ */
export function oneOf<const Values extends readonly string[]>(values: Values): Schema<Values[number]> {
  const listed = values.map((value) => `"${value}"`).join(', ');
  return new Schema((value, path, issues) => {
    if (typeof value !== 'string' || !values.includes(value)) {
      const received = typeof value === 'string' ? `"${value}"` : describeType(value);
      issues.push({ path, message: `expected one of ${listed}, received ${received}` });
      return values[0] as Values[number];
    }
    return value;
  });
}

export interface ArrayOptions {
  min?: number;
  max?: number;
}

/* @__NO_SIDE_EFFECTS__ */
export function array<T>(items: Schema<T>, options: ArrayOptions = {}): Schema<T[]> {
  return new Schema((value, path, issues) => {
    if (!Array.isArray(value)) {
      issues.push({ path, message: typeMismatch('an array', value) });
      return [];
    }
    if (options.min !== undefined && value.length < options.min) {
      issues.push({ path, message: `must have at least ${options.min} ${options.min === 1 ? 'item' : 'items'}` });
    }
    if (options.max !== undefined && value.length > options.max) {
      // The items are not checked, so that an oversized array costs no more than its length check.
      issues.push({ path, message: `must have at most ${options.max} items` });
      return [];
    }
    return value.map((item, index) => items.check(item, [...path, index], issues));
  });
}

/** Lets a field be left out. The output then has no such key. */
/* @__NO_SIDE_EFFECTS__ */
export function optional<T>(schema: Schema<T>): Schema<T | undefined> {
  return new Schema((value, path, issues) => (value === undefined ? undefined : schema.check(value, path, issues)), true);
}

/** Uses `fallback` when the field is left out. null is checked like any other value. */
/* @__NO_SIDE_EFFECTS__ */
export function withDefault<T>(schema: Schema<T>, fallback: T): Schema<T> {
  return new Schema((value, path, issues) => (value === undefined ? structuredClone(fallback) : schema.check(value, path, issues)), true);
}

export type Fields<T> = { [Key in keyof T]-?: Schema<T[Key]> };

/**
 * Accepts an object with exactly these fields. A key that is not listed is
 * an error, so that a misspelled option is not silently ignored.
 */
/* @__NO_SIDE_EFFECTS__ */
export function strictObject<T extends object>(fields: Fields<T>): Schema<T> {
  const known = Object.keys(fields);
  return new Schema((value, path, issues) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      issues.push({ path, message: typeMismatch('an object', value) });
      return {} as T;
    }
    const input = value as Record<string, unknown>;
    const output: Record<string, unknown> = {};
    for (const key of known) {
      const schema = fields[key as keyof T] as Schema<unknown>;
      // Only own properties count, so that "constructor" or "toString" never come from the prototype.
      const fieldValue = Object.hasOwn(input, key) ? input[key] : undefined;
      if (fieldValue === undefined && schema.optional) {
        const filled = schema.check(undefined, [...path, key], issues);
        if (filled !== undefined) {
          output[key] = filled;
        }
        continue;
      }
      output[key] = schema.check(fieldValue, [...path, key], issues);
    }
    const unknown = Object.keys(input).filter((key) => !known.includes(key));
    if (unknown.length > 0) {
      const names = unknown.map((key) => `"${key}"`).join(', ');
      issues.push({ path, message: `unknown ${unknown.length === 1 ? 'field' : 'fields'} ${names}` });
    }
    return output as T;
  });
}
