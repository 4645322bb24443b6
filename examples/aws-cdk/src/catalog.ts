import { folderFiles, loadRunbookRepository } from '@aiops/runbook-executor';
import { parse } from 'yaml';

/** An SSM document the runbook catalog runs, as the stack needs to know it. */
export interface CatalogDocument {
  readonly name: string;
  readonly type: 'Command' | 'Automation';
  /**
   * The parsed content when the repository keeps the document (the stack creates it); absent for
   * documents the catalog only names, such as AWS-owned `AWS-RestartEC2Instance`.
   */
  readonly content?: Record<string, unknown>;
  readonly format?: 'YAML' | 'JSON';
}

/**
 * Reads a runbook repository with the executor's own loader and lists the SSM documents its
 * runbooks run, so that IAM grants `ssm:SendCommand` / `ssm:StartAutomationExecution` on exactly
 * those and the stack deploys the ones the repository keeps. A repository with an error fails the
 * synth: a runbook the executor would refuse must not widen (or silently narrow) the policy.
 */
export async function readCatalogDocuments(repositoryDir: string): Promise<CatalogDocument[]> {
  const load = await loadRunbookRepository(folderFiles(repositoryDir));
  const errors = load.issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) {
    const list = errors.map((e) => `${e.file}${e.path ? ` ${e.path}` : ''}: ${e.message}`).join('; ');
    throw new Error(`runbook repository ${repositoryDir} has errors: ${list}`);
  }
  const byName = new Map<string, CatalogDocument>();
  for (const { runbook, documents } of load.runbooks) {
    const action = runbook.action;
    if (action.type === 'local') continue;
    const type = action.type === 'ssm-command' ? 'Command' : 'Automation';
    const kept = action.document.path === undefined ? undefined : documents[action.document.path];
    const doc: CatalogDocument = kept
      ? {
          name: action.document.name,
          type,
          content: parse(kept.content) as Record<string, unknown>,
          format: kept.format,
        }
      : { name: action.document.name, type };
    const seen = byName.get(doc.name);
    if (seen && (seen.type !== doc.type || JSON.stringify(seen.content) !== JSON.stringify(doc.content))) {
      throw new Error(`runbook repository ${repositoryDir}: document ${doc.name} is used with two different contents`);
    }
    byName.set(doc.name, seen?.content ? seen : doc);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}
