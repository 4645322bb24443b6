/**
 * Attribute values a span accepts.
 *
 * @example
 * ```ts
 * import type { SpanAttributes } from '@aiops/pipeline';
 * const attributes: SpanAttributes = { 'aiops.fingerprint': 'a1b2c3d4e5f60718', 'aiops.attempt': 2 };
 * ```
 */
export type SpanAttributes = Record<string, string | number | boolean>;

/**
 * The part of an OpenTelemetry `Span` the pipeline uses. A real `@opentelemetry/api` span fits.
 *
 * @example
 * ```ts
 * import type { SpanLike } from '@aiops/pipeline';
 * const fail = (span: SpanLike, err: Error) => { span.recordException(err); span.setStatus({ code: 2, message: err.message }); };
 * ```
 */
export interface SpanLike {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException(exception: Error | string): unknown;
  end(): void;
}

/**
 * The part of an OpenTelemetry `Tracer` the pipeline uses: `trace.getTracer(name)` from
 * `@opentelemetry/api` fits, as does any object with the same `startSpan`.
 *
 * @example
 * ```ts
 * import { trace } from '@opentelemetry/api';
 * import { createPipeline } from '@aiops/pipeline';
 * createPipeline({ sources: [], detectors: [], tracer: trace.getTracer('checkout-aiops') });
 * ```
 */
export interface TracerLike {
  startSpan(name: string, options?: { attributes?: SpanAttributes }): SpanLike;
}

/** Status codes of OpenTelemetry (`SpanStatusCode`): 2 is an error. */
const STATUS_ERROR = 2;

const noopSpan: SpanLike = {
  setAttribute: () => undefined,
  setStatus: () => undefined,
  recordException: () => undefined,
  end: () => undefined,
};

/**
 * A tracer that records nothing: what the pipeline uses when no tracer is given and
 * `@opentelemetry/api` is not installed.
 *
 * @example
 * ```ts
 * import { noopTracer } from '@aiops/pipeline';
 * noopTracer.startSpan('nothing').end();
 * ```
 */
export const noopTracer: TracerLike = Object.freeze({ startSpan: () => noopSpan });

/**
 * The tracer of a pipeline: the one given, else `@opentelemetry/api`'s global tracer when that package
 * is installed (itself a no-op until an SDK is registered), else {@link noopTracer}.
 */
export async function resolveTracer(given: TracerLike | undefined, version: string): Promise<TracerLike> {
  if (given) return given;
  try {
    const api = (await import('@opentelemetry/api')) as {
      trace?: { getTracer(name: string, version?: string): TracerLike };
    };
    return api.trace?.getTracer('@aiops/pipeline', version) ?? noopTracer;
  } catch {
    return noopTracer;
  }
}

/** Runs `fn` inside a span named `name`, recording a thrown error on it. */
export async function inSpan<T>(
  tracer: TracerLike,
  name: string,
  attributes: SpanAttributes,
  fn: (span: SpanLike) => Promise<T>,
): Promise<T> {
  const span = tracer.startSpan(name, { attributes });
  try {
    return await fn(span);
  } catch (err) {
    failSpan(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** Marks a span failed with `err`. */
export function failSpan(span: SpanLike, err: unknown): void {
  const error = err instanceof Error ? err : new Error(String(err));
  span.recordException(error);
  span.setStatus({ code: STATUS_ERROR, message: error.message });
}
