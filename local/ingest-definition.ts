import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { placeholderCode, REPO_ROOT } from '#infra/function-code.ts';
import { type DeploySettings, readSettings } from '#infra/settings.ts';
import { ThreadfinderStack } from '#infra/threadfinder-stack.ts';

/** A state machine definition in Amazon States Language, as JSON. */
export type AslDefinition = Record<string, unknown> & { StartAt: string; States: Record<string, unknown> };

/** The context of cdk.json: feature flags change what the stack synthesizes (e.g. the Map's ResultWriter). */
export function cdkJsonContext(root = REPO_ROOT): Record<string, unknown> {
  const file = path.join(root, 'cdk.json');
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { context?: Record<string, unknown> };
  return parsed.context ?? {};
}

/**
 * Synthesizes the cloud stack in-process (placeholder function code: no Docker, no bundling) and returns
 * its ingestion state machine definition, with CloudFormation references replaced by local names. The
 * workflow is built by the same code as `cdk synth`; only function ARNs differ.
 */
export function synthesizeIngestDefinition(overrides: Partial<DeploySettings> = {}): AslDefinition {
  const context = cdkJsonContext();
  // The built-in CloudFormation validation (a WASM linter, ~20 s) adds nothing to a definition read in-process.
  const app = new App({ context, builtinCloudFormationValidation: false });
  const settings = { ...readSettings((key) => context[key]), ...overrides };
  const stack = new ThreadfinderStack(app, 'ThreadfinderLocal', { settings, code: placeholderCode() });
  const template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;
  return definitionFromTemplate(template);
}

interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

/** Extracts the one state machine's definition from a synthesized template, resolving its references. */
export function definitionFromTemplate(template: CfnTemplate): AslDefinition {
  const machines = Object.values(template.Resources).filter(
    (r) => r.Type === 'AWS::StepFunctions::StateMachine',
  );
  if (machines.length !== 1)
    throw new Error(`expected one state machine in the template, found ${machines.length}`);
  const definition = machines[0]?.Properties?.DefinitionString;
  return JSON.parse(resolveString(definition)) as AslDefinition;
}

function resolveString(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })?.['Fn::Join'];
  if (join) return join[1].map(resolveString).join(join[0]);
  const getAtt = (value as { 'Fn::GetAtt'?: [string, string] })?.['Fn::GetAtt'];
  if (getAtt) return `arn:aws:lambda:local:000000000000:function:${getAtt[0]}`;
  const ref = (value as { Ref?: string })?.Ref;
  if (ref === 'AWS::Partition') return 'aws';
  if (ref === 'AWS::Region') return 'local';
  if (ref === 'AWS::AccountId') return '000000000000';
  if (ref) return `local-${ref}`;
  throw new Error(`cannot resolve ${JSON.stringify(value).slice(0, 200)} in the state machine definition`);
}
