import { MemoryStateStore } from '@aiops/core';
import { runStateStoreContract } from '@aiops/testing';

runStateStoreContract('MemoryStateStore', ({ clock }) => new MemoryStateStore({ clock }));

runStateStoreContract('MemoryStateStore without expiry cases', () => new MemoryStateStore(), {
  supportsExpiry: false,
});
