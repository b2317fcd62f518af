import { describe, expect, it } from 'vitest';
import { type Json, synthStack } from './synth.ts';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/mongo-AbC123';
const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** Every statement of the role policies of the functions whose logical id starts with `role`. */
function statementsOf(template: ReturnType<typeof synthStack>['template'], role: string): Json[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref.startsWith(role)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

const decrypts = (statements: Json[]) =>
  statements.filter((s) => [s.Action].flat().includes('kms:Decrypt') && s.Resource === KEY);

describe('an existing MongoDB secret', () => {
  it('is read by its complete ARN, and its customer-managed key decrypts it through Secrets Manager only', () => {
    const { template } = synthStack({ mongoSecretArn: SECRET, mongoSecretKmsKeyArn: KEY });
    expect(template.findResources('AWS::SecretsManager::Secret')).toEqual({});
    for (const role of ['FunctionsAggregateServiceRole', 'FunctionsSearchServiceRole']) {
      const statements = statementsOf(template, role);
      expect(
        statements.some(
          (s) => [s.Action].flat().includes('secretsmanager:GetSecretValue') && s.Resource === SECRET,
        ),
        role,
      ).toBe(true);
      const [decrypt] = decrypts(statements);
      expect(decrypt, role).toBeDefined();
      expect(JSON.stringify(decrypt.Condition)).toContain('kms:ViaService');
      expect(JSON.stringify(decrypt.Condition)).toContain('secretsmanager.');
    }
    expect(decrypts(statementsOf(template, 'FunctionsDownloadServiceRole'))).toEqual([]);
  });

  it('without a key setting, grants no kms:Decrypt (AWS managed key)', () => {
    const { template } = synthStack({ mongoSecretArn: SECRET });
    const all = statementsOf(template, 'Functions');
    expect(all.filter((s) => [s.Action].flat().includes('kms:Decrypt'))).toEqual([]);
  });
});
