import { createHash } from 'node:crypto';
import { MemoryStateStore, type StateStore } from '@aiops/core';

/**
 * Remembers request ids (signatures) until they expire, so a captured request sent again within its
 * validity window is refused.
 *
 * @example
 * ```ts
 * import type { ReplayGuard } from '@aiops/notifiers';
 * const seen = new Set<string>();
 * const guard: ReplayGuard = { async firstSeen(id) { const first = !seen.has(id); seen.add(id); return first; } };
 * ```
 */
export interface ReplayGuard {
  /** `true` the first time `id` is seen before `expiresAt` (epoch ms), `false` for a replay. */
  firstSeen(id: string, expiresAt: number): Promise<boolean>;
}

/**
 * A {@link ReplayGuard} on a {@link StateStore}: a conditional "only if absent" write per id, with
 * expiry. Give every instance of a receiver the same shared store (DynamoDB, a file store) and a
 * request replayed to another instance is refused too; the default is a store in memory.
 *
 * @example
 * ```ts
 * import { MemoryStateStore } from '@aiops/core';
 * import { storeReplayGuard } from '@aiops/notifiers';
 * const guard = storeReplayGuard(new MemoryStateStore());
 * await guard.firstSeen('v0=ab12…', Date.now() + 600_000); // true
 * await guard.firstSeen('v0=ab12…', Date.now() + 600_000); // false
 * ```
 */
export function storeReplayGuard(
  store: StateStore = new MemoryStateStore(),
  prefix = 'notifiers/replay/',
): ReplayGuard {
  return {
    async firstSeen(id, expiresAt) {
      const key = prefix + createHash('sha256').update(id).digest('hex');
      const res = await store.put(key, 1, { expectedVersion: 0, expiresAt });
      return res.ok;
    },
  };
}
