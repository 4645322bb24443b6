import type { LogSignal } from '@aiops/core';

/**
 * What one log line says about the SLO: a `good` request, a `bad` one (too slow or failed), or
 * nothing (`undefined`: the line is not a request, e.g. a startup message).
 */
export type RequestOutcome = 'good' | 'bad' | undefined;

/** Judges one log line; replace it to read your own log format (see `classify` in the options). */
export type RequestClassifier = (signal: LogSignal, latencyThresholdMs: number) => RequestOutcome;

const LATENCY_KEYS = ['latencyMs', 'durationMs', 'latency_ms', 'duration_ms'] as const;
const STATUS_KEYS = ['httpStatus', 'status', 'statusCode'] as const;
/** `"latencyMs": 12.5` in a JSON line. */
const LATENCY_IN_JSON = /"(?:latencyMs|durationMs|latency_ms|duration_ms)"\s*:\s*(\d+(?:\.\d+)?)/;
/** `"status": 503` in a JSON line. */
const STATUS_IN_JSON = /"(?:status|statusCode|httpStatus|status_code)"\s*:\s*(\d{3})\b/;

function numberAttribute(signal: LogSignal, keys: readonly string[]): number | undefined {
  const attributes = signal.attributes;
  if (!attributes) return undefined;
  for (const key of keys) {
    const value = attributes[key];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return undefined;
}

function numberInMessage(message: string, pattern: RegExp): number | undefined {
  const match = pattern.exec(message);
  return match ? Number(match[1]) : undefined;
}

/**
 * The default classifier, for request logs that carry a latency and an HTTP status: as signal
 * attributes (`latencyMs`, `httpStatus`; what the @aiops decoders set for the status) or as fields
 * of a JSON log line (`{"status":503,"latencyMs":812,...}`). A request is bad when it failed with a
 * 5xx or took longer than the threshold; 4xx are the client's and count as good.
 */
export const classifyRequest: RequestClassifier = (signal, latencyThresholdMs) => {
  // Attributes are cheap to read; the message is scanned only when they are missing.
  const latency = numberAttribute(signal, LATENCY_KEYS) ?? numberInMessage(signal.message, LATENCY_IN_JSON);
  const status = numberAttribute(signal, STATUS_KEYS) ?? numberInMessage(signal.message, STATUS_IN_JSON);
  if (latency === undefined && status === undefined) return undefined;
  if (status !== undefined && status >= 500) return 'bad';
  if (latency !== undefined && latency > latencyThresholdMs) return 'bad';
  return 'good';
};
