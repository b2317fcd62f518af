import { vectorStoreContract } from '../contract/vector-store-contract.ts';
import { MemoryVectorStore } from '../support/memory-vector-store.ts';

vectorStoreContract('MemoryVectorStore (test fake)', async () => new MemoryVectorStore());
