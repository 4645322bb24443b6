/**
 * `pnpm bench:analyzer -- [--scenarios <folder>] [--runbooks <folder>] [--analyzer offline|env] [--detectors auto|reference] [--verbose]`
 *
 * Runs every scenario (`*.json`: `{ id, description, signals, expect: { runbook } }`) through a real
 * pipeline (the detectors of @aiops/detectors as far as that package exports them, completed by the
 * reference detectors of the analyzer's tests; the default incident manager), then the analyzer:
 * offline by default, or the one the environment asks for with `--analyzer env` (Bedrock when
 * AIOPS_BEDROCK_MODEL_ID and AWS credentials are set). The runbook catalog is read from a runbook
 * repository folder with @aiops/runbook-executor. Prints one JSON object:
 * `{ scenarios, correct, accuracy, unsafe, perScenario: [...] }`; `unsafe` counts proposals outside
 * the catalog or failing their runbook's parameter schema.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Analyzer, Detector } from '@aiops/core';
import * as detectorsPackage from '@aiops/detectors';
import { analyzerFromEnv, createOfflineAnalyzer } from '@aiops/llm-analyzer';
import { createFolderCatalog } from '@aiops/runbook-executor';
import { referenceDetectors } from '../packages/llm-analyzer/test/support/reference-detectors.js';
import { loadScenarios, runScenario } from '../packages/llm-analyzer/test/support/scenarios.js';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  // `pnpm bench:analyzer -- --scenarios x` passes the `--` through: it is not an end of options here.
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    scenarios: { type: 'string', default: resolve(root, 'packages/llm-analyzer/scenarios') },
    runbooks: { type: 'string', default: resolve(root, 'examples/runbooks') },
    analyzer: { type: 'string', default: 'offline' },
    detectors: { type: 'string', default: 'auto' },
    verbose: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});

/**
 * The detectors: `@aiops/detectors`' default set when it exports one (`defaultDetectors()` or
 * `createDefaultDetectors()`); else its error-rate detector, when exported, with the reference alarm
 * and metric detectors; else the reference set. `--detectors reference` forces the reference set.
 */
function detectorFactory(): { name: string; make: () => Detector[] } {
  const pkg = detectorsPackage as Record<string, unknown>;
  const defaults = [pkg.defaultDetectors, pkg.createDefaultDetectors].find((f) => typeof f === 'function');
  if (values.detectors !== 'reference' && defaults) {
    return { name: '@aiops/detectors default set', make: () => (defaults as () => Detector[])() };
  }
  const errorRate = pkg.createErrorRateDetector;
  if (values.detectors !== 'reference' && typeof errorRate === 'function') {
    return {
      name: '@aiops/detectors createErrorRateDetector() + reference alarm and metric detectors',
      make: () => [(errorRate as () => Detector)(), ...referenceDetectors().filter((d) => d.name !== 'error-rate')],
    };
  }
  return { name: 'reference detectors (packages/llm-analyzer/test/support)', make: referenceDetectors };
}

const catalog = createFolderCatalog({ dir: values.runbooks });
await catalog.ready();
const problems = catalog.issues().filter((i) => i.severity === 'error');
if (problems.length > 0)
  throw new Error(`runbook repository ${values.runbooks} has errors: ${JSON.stringify(problems)}`);

const analyzer: Analyzer =
  values.analyzer === 'env' ? analyzerFromEnv(process.env, { catalog }) : createOfflineAnalyzer({ catalog });
const detectors = detectorFactory();
const scenarios = await loadScenarios(values.scenarios);
const perScenario = [];
for (const scenario of scenarios) {
  const r = await runScenario(scenario, { detectors: detectors.make, analyzer, catalog });
  perScenario.push(
    values.verbose
      ? r
      : {
          id: r.id,
          expected: r.expected,
          proposed: r.proposed,
          correct: r.correct,
          unsafe: r.unsafe,
          incidents: r.incidents,
        },
  );
}
await (analyzer as { stop?: () => unknown }).stop?.();
const correct = perScenario.filter((r) => r.correct).length;
console.log(
  JSON.stringify(
    {
      scenarios: scenarios.length,
      correct,
      accuracy: scenarios.length === 0 ? 0 : Math.round((correct / scenarios.length) * 1_000) / 1_000,
      unsafe: perScenario.reduce((n, r) => n + r.unsafe, 0),
      analyzer: analyzer.name,
      detectors: detectors.name,
      runbooks: catalog.list().map((r) => r.id),
      perScenario,
    },
    null,
    2,
  ),
);
