// Synthesises the stack into cdk.out without an AWS account, the CDK CLI or Docker:
//   corepack pnpm --filter @aiops-examples/aws-cdk synth -- -c aiops:consumer=ecs
// `cdk deploy` (with the CLI, see README.md) runs this same file as its app (cdk.json).
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { AiopsStack } from './src/aiops-stack.js';
import { EXAMPLE_DIR } from './src/bundle.js';
import { readCatalogDocuments } from './src/catalog.js';
import { settingsFromContext } from './src/config.js';

/** `-c key=value` / `--context key=value` pairs from the command line (the CLI passes its own through the environment). */
function contextFromArgs(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg !== '-c' && arg !== '--context') continue;
    const pair = args[++i] ?? '';
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`expected key=value after ${arg}, got "${pair}"`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

const runbooksDir = join(EXAMPLE_DIR, '..', 'runbooks');
const app = new App({
  context: contextFromArgs(process.argv.slice(2)),
  // Under the CDK CLI, CDK_OUTDIR is set and App uses it.
  ...(process.env.CDK_OUTDIR ? {} : { outdir: join(EXAMPLE_DIR, 'cdk.out') }),
});
const settings = settingsFromContext((key) => app.node.tryGetContext(key));
const documents = await readCatalogDocuments(runbooksDir);
new AiopsStack(app, settings.consumer === 'ecs' ? 'AiopsEcs' : 'AiopsLambda', {
  settings,
  documents,
  runbooksDir,
  // Unset (no account at synth): the template is environment-agnostic and deploys anywhere.
  ...(process.env.CDK_DEFAULT_ACCOUNT && process.env.CDK_DEFAULT_REGION
    ? { env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } }
    : {}),
});
const assembly = app.synth();
for (const stack of assembly.stacks) {
  console.log(
    `${stack.stackName}: ${Object.keys(stack.template.Resources ?? {}).length} resources -> ${stack.templateFullPath}`,
  );
}
