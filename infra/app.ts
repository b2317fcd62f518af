import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { assetCode } from './function-code.ts';
import { acknowledgeNagFindings } from './nag-acknowledgements.ts';
import { readSettings } from './settings.ts';
import { ThreadfinderStack } from './threadfinder-stack.ts';

const app = new App();
const settings = readSettings((key) => app.node.tryGetContext(key), Object.keys(app.node.getAllContext()));
const stack = new ThreadfinderStack(app, app.node.tryGetContext('stackName') ?? 'Threadfinder', {
  settings,
  code: assetCode(settings),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
acknowledgeNagFindings(stack);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
