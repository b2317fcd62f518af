import { Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { assetCode } from '#infra/function-code.ts';
import { acknowledgeNagFindings } from '#infra/nag-acknowledgements.ts';
import { readSettings } from '#infra/settings.ts';
import { ThreadfinderStack } from '#infra/threadfinder-stack.ts';
import { testApp } from './synth.ts';

/** Synthesizes the stack with cdk-nag's AwsSolutions checks, as `npm run synth` does; returns the error text. */
function nagErrors(tamper?: (stack: ThreadfinderStack) => void, region?: string): string {
  // With a schedule, so its queue, role and alarm are checked too (`npm run synth` checks the default, none).
  const app = testApp({ schedule: 'cron(0 3 ? * SUN *)' });
  const settings = readSettings((key) => app.node.tryGetContext(key));
  const stack = new ThreadfinderStack(app, 'Threadfinder', {
    settings,
    code: assetCode(settings),
    ...(region && { env: { region } }),
  });
  acknowledgeNagFindings(stack);
  tamper?.(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const errors: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => errors.push(args.join(' '));
  try {
    app.synth();
  } catch (error) {
    errors.push(String(error));
  } finally {
    console.error = original;
  }
  return errors.join('\n');
}

describe('cdk-nag AwsSolutions checks', () => {
  it('pass on the stack: every finding is fixed or acknowledged with a reason', () => {
    expect(nagErrors()).toBe('');
  }, 60_000);

  it('pass with a known region too, where ARNs carry a literal partition (as `cdk synth` with a profile)', () => {
    expect(nagErrors(undefined, 'eu-west-1')).toBe('');
  }, 60_000);

  it('fail on a resource that breaks a rule (the checks really run)', () => {
    const errors = nagErrors((stack) => {
      new s3.Bucket(stack, 'CarelessBucket');
    });
    expect(errors).toMatch(/AwsSolutions-S1/);
    expect(errors).toMatch(/AwsSolutions-S10/);
    expect(errors).toMatch(/CarelessBucket/);
  }, 60_000);
});
