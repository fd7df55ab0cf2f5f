import type { RetryPolicy } from '../workflow/compiled.js';

/** How long to wait after attempt `attempt` (1-based) failed, before the next one. */
export function retryDelayMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxBackoffMs, Math.round(policy.backoffMs * policy.backoffCoefficient ** (attempt - 1)));
}
