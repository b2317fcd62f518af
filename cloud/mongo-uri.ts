import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from '#core/errors.ts';

/** The part of the Secrets Manager client this module uses (a fake in tests). */
export interface SecretReader {
  send(command: GetSecretValueCommand): Promise<{ SecretString?: string }>;
}

/**
 * Reads the MongoDB connection string from Secrets Manager: the secret is either the bare URI or JSON with a
 * `uri` field. Anything else is a ConfigError saying how to put the right value.
 */
export async function readMongoUri(
  secretArn: string,
  client: SecretReader = new SecretsManagerClient({ maxAttempts: 3 }),
): Promise<string> {
  const answer = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  const raw = answer.SecretString?.trim() ?? '';
  const uri = raw.startsWith('{') ? uriField(raw) : raw;
  if (!/^mongodb(\+srv)?:\/\/\S+$/.test(uri)) {
    throw new ConfigError(
      `the secret ${secretArn} does not hold a MongoDB connection string (expected mongodb+srv://...); set it with ` +
        `aws secretsmanager put-secret-value --secret-id ${secretArn} --secret-string 'mongodb+srv://USER:PASSWORD@HOST/'`,
    );
  }
  return uri;
}

function uriField(json: string): string {
  try {
    const value = (JSON.parse(json) as { uri?: unknown }).uri;
    return typeof value === 'string' ? value.trim() : '';
  } catch {
    return '';
  }
}
