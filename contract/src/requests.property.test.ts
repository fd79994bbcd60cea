import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validReference } from './image-reference.arbitraries.ts';
import { AugmentRequestSchema, HandlerInstallRequestSchema, LogsQuerySchema, PortMappingSchema, RunRequestSchema, type ParsedPortMapping } from './requests.ts';
import { ValidationError, type Schema } from './schema.ts';

// A fixed seed keeps runs reproducible. A failure report also prints the seed
// and the path of the shrunk counterexample.
const options = { seed: 0x2e9, numRuns: 300 };

const anyJson = fc.jsonValue({ maxDepth: 4 });

const validPortMapping = fc.record(
  {
    hostPort: fc.integer({ min: 0, max: 65535 }),
    containerPort: fc.integer({ min: 1, max: 65535 }),
    protocol: fc.constantFrom('tcp', 'udp'),
  },
  { requiredKeys: ['containerPort'] },
);

const validRunRequest = fc.record(
  {
    image: validReference,
    platform: fc.constantFrom('linux/arm/v7', 'arm64', 'linux/arm/v6'),
    publish: fc.array(validPortMapping, { maxLength: 4 }),
    exposeOnLan: fc.boolean(),
    waitSeconds: fc.integer({ min: 1, max: 600 }),
  },
  { requiredKeys: ['image'] },
);

const validHandlerInstall = fc.record(
  {
    arches: fc.uniqueArray(fc.constantFrom('arm', 'aarch64'), { minLength: 1, maxLength: 2 }),
    flags: fc.subarray(['P', 'O', 'C', 'F']).map((flags) => flags.join('')),
  },
  { requiredKeys: ['arches'] },
);

/**
 * Objects that start from a valid value, then replace some fields with
 * arbitrary JSON and sometimes add an unknown field, so that generated input
 * reaches each field's checks instead of failing at the top.
 */
function nearValid(valid: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<unknown> {
  return fc
    .tuple(valid, fc.dictionary(fc.constantFrom('image', 'platform', 'publish', 'exposeOnLan', 'waitSeconds', 'arches', 'flags', 'tail', 'privileged'), anyJson, { maxKeys: 2 }))
    .map(([value, replacements]) => ({ ...value, ...replacements }));
}

interface SchemaCase {
  name: string;
  schema: Schema<unknown>;
  input: fc.Arbitrary<unknown>;
}

const queryValue = fc.oneof(fc.string({ maxLength: 8 }), fc.integer().map(String), fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }));

const SCHEMAS: SchemaCase[] = [
  { name: 'RunRequestSchema', schema: RunRequestSchema, input: fc.oneof(anyJson, validRunRequest, nearValid(validRunRequest)) },
  { name: 'AugmentRequestSchema', schema: AugmentRequestSchema, input: fc.oneof(anyJson, nearValid(fc.record({ image: validReference }))) },
  { name: 'HandlerInstallRequestSchema', schema: HandlerInstallRequestSchema, input: fc.oneof(anyJson, validHandlerInstall, nearValid(validHandlerInstall)) },
  { name: 'PortMappingSchema', schema: PortMappingSchema, input: fc.oneof(anyJson, validPortMapping, nearValid(validPortMapping)) },
  { name: 'LogsQuerySchema', schema: LogsQuerySchema, input: fc.oneof(anyJson, fc.dictionary(fc.constantFrom('tail', 'follow'), queryValue, { maxKeys: 2 })) },
];

describe.each(SCHEMAS)('$name on arbitrary JSON', ({ schema, input }) => {
  it('parses or throws a ValidationError', () => {
    fc.assert(
      fc.property(input, (value) => {
        const result = schema.safeParse(value);
        let parsed: unknown;
        let thrown: unknown;
        try {
          parsed = schema.parse(value);
        } catch (error) {
          thrown = error;
        }

        if (result.success) {
          expect(thrown).toBeUndefined();
          expect(parsed).toEqual(result.data);
        } else {
          expect(thrown).toBeInstanceOf(ValidationError);
          expect((thrown as ValidationError).issues).toEqual(result.issues);
          expect(result.issues.length).toBeGreaterThan(0);
        }
      }),
      options,
    );
  });
});

function expectPortMapping(mapping: ParsedPortMapping): void {
  expect(Number.isInteger(mapping.containerPort)).toBe(true);
  expect(mapping.containerPort).toBeGreaterThanOrEqual(1);
  expect(mapping.containerPort).toBeLessThanOrEqual(65535);
  if (mapping.hostPort !== undefined) {
    expect(Number.isInteger(mapping.hostPort)).toBe(true);
    expect(mapping.hostPort).toBeGreaterThanOrEqual(0);
    expect(mapping.hostPort).toBeLessThanOrEqual(65535);
  }
  expect(['tcp', 'udp']).toContain(mapping.protocol);
}

describe('RunRequestSchema', () => {
  it('accepts only requests within its limits', () => {
    fc.assert(
      fc.property(fc.oneof(anyJson, nearValid(validRunRequest)), (value) => {
        const result = RunRequestSchema.safeParse(value);
        if (!result.success) {
          return;
        }
        const request = result.data;
        expect(request.image).toBe(request.image.trim());
        expect(request.image.length).toBeGreaterThanOrEqual(1);
        expect(request.image.length).toBeLessThanOrEqual(512);
        if (request.platform !== undefined) {
          expect(request.platform).toBe(request.platform.trim());
          expect(request.platform.length).toBeGreaterThanOrEqual(1);
          expect(request.platform.length).toBeLessThanOrEqual(64);
        }
        expect(request.publish.length).toBeLessThanOrEqual(64);
        request.publish.forEach(expectPortMapping);
        expect(typeof request.exposeOnLan).toBe('boolean');
        expect(Number.isInteger(request.waitSeconds)).toBe(true);
        expect(request.waitSeconds).toBeGreaterThanOrEqual(1);
        expect(request.waitSeconds).toBeLessThanOrEqual(600);
        expect(Object.keys(request).every((key) => ['image', 'platform', 'publish', 'exposeOnLan', 'waitSeconds'].includes(key))).toBe(true);
      }),
      options,
    );
  });

  it('accepts valid requests and fills in defaults', () => {
    fc.assert(
      fc.property(validRunRequest, (request) => {
        expect(RunRequestSchema.parse(request)).toEqual({
          publish: [],
          exposeOnLan: false,
          waitSeconds: 60,
          ...request,
          ...(request.publish === undefined ? {} : { publish: request.publish.map((mapping) => ({ protocol: 'tcp', ...mapping })) }),
        });
      }),
      options,
    );
  });

  it('rejects ports outside their ranges', () => {
    const badContainerPort = fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 65536 }), fc.double({ min: 1.01, max: 65534.99, noInteger: true }));
    const badHostPort = fc.oneof(fc.integer({ max: -1 }), fc.integer({ min: 65536 }));
    fc.assert(
      fc.property(validReference, fc.oneof(badContainerPort.map((port) => ({ containerPort: port })), badHostPort.map((port) => ({ containerPort: 80, hostPort: port }))), (image, mapping) => {
        expect(RunRequestSchema.safeParse({ image, publish: [mapping] }).success).toBe(false);
      }),
      options,
    );
  });

  it('rejects images that are blank or longer than 512 characters', () => {
    const badImage = fc.oneof(
      fc.string({ unit: fc.constantFrom(' ', '\t', '\n'), maxLength: 5 }),
      fc.string({ unit: fc.constantFrom(...'abc'), minLength: 513, maxLength: 2000 }),
    );
    fc.assert(
      fc.property(badImage, (image) => {
        expect(RunRequestSchema.safeParse({ image }).success).toBe(false);
      }),
      options,
    );
  });
});

describe('unknown fields', () => {
  it('are rejected by name in every schema', () => {
    const unknownKey = fc.string({ minLength: 1, maxLength: 12 }).filter((key) => !['image', 'platform', 'publish', 'exposeOnLan', 'waitSeconds'].includes(key));
    fc.assert(
      fc.property(validRunRequest, unknownKey, anyJson, (request, key, value) => {
        const result = RunRequestSchema.safeParse({ ...request, [key]: value });
        expect(result.success).toBe(false);
        if (!result.success) {
          expect(result.issues.some((issue) => issue.message.includes(`"${key}"`))).toBe(true);
        }
      }),
      options,
    );
  });
});

describe('HandlerInstallRequestSchema', () => {
  it('accepts only known arches and flags', () => {
    fc.assert(
      fc.property(fc.oneof(anyJson, nearValid(validHandlerInstall)), (value) => {
        const result = HandlerInstallRequestSchema.safeParse(value);
        if (!result.success) {
          return;
        }
        expect(result.data.arches.length).toBeGreaterThanOrEqual(1);
        expect(result.data.arches.length).toBeLessThanOrEqual(2);
        expect(result.data.flags).toMatch(/^[POCF]{0,4}$/);
      }),
      options,
    );
  });
});

describe('LogsQuerySchema', () => {
  it('returns a whole tail between 1 and 10000', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constant('tail'), queryValue), (query) => {
        const result = LogsQuerySchema.safeParse(query);
        if (!result.success) {
          return;
        }
        expect(Number.isInteger(result.data.tail)).toBe(true);
        expect(result.data.tail).toBeGreaterThanOrEqual(1);
        expect(result.data.tail).toBeLessThanOrEqual(10_000);
      }),
      options,
    );
  });
});
