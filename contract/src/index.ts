// The contract between the ARM Runner backend and its clients (UI and CLI).
// Request bodies have schemas, so that the backend validates them at the
// edge, and types that both sides share. Responses are plain types.
export * from './errors.ts';
export * from './findings.ts';
export * from './image-reference.ts';
export * from './platforms.ts';
export * from './requests.ts';
export * from './responses.ts';
export * from './schema.ts';
export * from './routes.ts';
export * from './inspection.ts';
