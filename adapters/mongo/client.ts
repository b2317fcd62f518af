import { MongoClient, type MongoClientOptions } from 'mongodb';
import { ConfigError } from '#core/errors.ts';

/**
 * Client settings for one Lambda container (or one local process): a small pool, because a container serves
 * one request at a time and Atlas's connection limit is shared by every warm container; failures surface in
 * seconds rather than at the Lambda timeout.
 */
export const LAMBDA_CLIENT_OPTIONS: Readonly<MongoClientOptions> = Object.freeze({
  appName: 'threadfinder',
  maxPoolSize: 2,
  minPoolSize: 0,
  maxIdleTimeMS: 60_000,
  serverSelectionTimeoutMS: 5_000,
  connectTimeoutMS: 5_000,
  socketTimeoutMS: 30_000,
  retryReads: true,
  retryWrites: true,
});

/**
 * A MongoClient for `uri` with LAMBDA_CLIENT_OPTIONS (overridable). It connects on first use. Create one per
 * container, outside the handler, and reuse it for every invocation.
 */
export function createMongoClient(uri: string, overrides: MongoClientOptions = {}): MongoClient {
  if (typeof uri !== 'string' || uri.trim() === '') {
    throw new ConfigError(
      'MongoDB connection string is empty; set it to the Atlas cluster URI (mongodb+srv://...)',
    );
  }
  try {
    return new MongoClient(uri, { ...LAMBDA_CLIENT_OPTIONS, ...overrides });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`MongoDB connection string is not valid: ${reason}`, { cause: error });
  }
}
