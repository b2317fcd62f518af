import { vectorStoreContract } from '#test/contract/vector-store-contract.ts';
import { MemoryVectorStore } from '#test/support/memory-vector-store.ts';

vectorStoreContract('MemoryVectorStore (test fake)', async () => new MemoryVectorStore());
