// The public API for plugin authors: define actions and connection types, build request paths safely.
// Everything here is stable within a major version; nothing else in the package is.

export { defineAction, defineConnection } from './contracts/action.js';
export type {
  ActionDefinition,
  ChangedOperation,
  InverseOperation,
  JsonSchema,
  Operation,
  OperationStatus,
  PlanContext,
  PlannedOperation,
  PredictedOutcome,
  Prediction,
  ProbeContext,
  RunContext,
  RunResult,
} from './contracts/action.js';
export type {
  ConnectionContext,
  ConnectionDefinition,
  ConnectionSession,
  HttpClient,
  HttpMethod,
  HttpRequest,
  HttpResponse,
  OutgoingRequest,
} from './contracts/connection.js';
export { encodePath, encodePathSegment } from './connections/encode-path.js';
export { RunbookError, ERROR_CODES, type ErrorCode } from './errors.js';
