import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { assetCode } from '#infra/function-code.ts';
import { type DeploySettings, readSettings } from '#infra/settings.ts';
import { ThreadfinderStack } from '#infra/threadfinder-stack.ts';
import { cdkJsonContext, definitionFromTemplate } from '#local/ingest-definition.ts';

/**
 * An App as `cdk synth` builds it: cdk.json's context (feature flags), asset bundling skipped (esbuild and
 * Docker are deploy-time concerns), the built-in CloudFormation linter off (slow, and not what tests check).
 */
export function testApp(extraContext: Record<string, unknown> = {}): App {
  return new App({
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...extraContext },
    builtinCloudFormationValidation: false,
  });
}

/** Synthesizes the real stack (deployable asset code) with the given context values. */
export function synthStack(context: Record<string, unknown> = {}): {
  stack: ThreadfinderStack;
  template: Template;
} {
  const app = testApp(context);
  const settings: DeploySettings = readSettings(
    (key) => app.node.tryGetContext(key),
    Object.keys(app.node.getAllContext()),
  );
  const stack = new ThreadfinderStack(app, 'Threadfinder', { settings, code: assetCode(settings) });
  return { stack, template: Template.fromStack(stack) };
}

/** Parsed JSON explored freely by assertions (they fail loudly on a wrong shape). */
// biome-ignore lint/suspicious/noExplicitAny: see above
export type Json = any;

/** The state machine's definition, references resolved as the local runner resolves them (`local-<id>` names). */
export function definitionOf(template: Template): Json {
  return definitionFromTemplate(template.toJSON() as Parameters<typeof definitionFromTemplate>[0]);
}

/** Logical id of the one resource of `type` whose id starts with `prefix`. */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1)
    throw new Error(`expected one ${type} named ${prefix}*, found ${ids.join(', ') || 'none'}`);
  return ids[0] as string;
}

export { Stack };
