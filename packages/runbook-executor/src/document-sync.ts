import {
  CreateDocumentCommand,
  type CreateDocumentResult,
  DescribeDocumentCommand,
  type DescribeDocumentResult,
  ListDocumentVersionsCommand,
  type ListDocumentVersionsResult,
  UpdateDocumentCommand,
  type UpdateDocumentResult,
} from '@aws-sdk/client-ssm';
import { awsErrorName, SsmError } from './errors.js';
import type { RenderedDocument } from './rendered-action.js';
import type { SsmConnection } from './ssm-client.js';

/**
 * A document version in SSM whose content is exactly a repository file.
 *
 * @example
 * ```ts
 * import type { SyncedDocument } from '@aiops/runbook-executor';
 * const pinned = (d: SyncedDocument) => `${d.name}:${d.version}`;
 * ```
 */
export interface SyncedDocument {
  readonly name: string;
  /** The SSM version number, e.g. `3`. */
  readonly version: string;
  /** The hash SSM computed for that version, passed back on SendCommand so SSM refuses any other content. */
  readonly hash?: string;
}

/** The version name a repository document gets in SSM: derived from its content. */
export function versionNameOf(doc: RenderedDocument): string {
  return `git-${doc.digest.slice(0, 32)}`;
}

/**
 * Makes sure SSM holds a version of document `name` with exactly this content, and returns that
 * version. Each content gets its own version, named after its SHA-256 (`git-<digest>`): an existing
 * one is found again, a new content becomes a new version (or the document is created). The
 * default version is left alone, since people may use it by hand.
 *
 * @example
 * ```ts
 * import { openSsm, syncDocument } from '@aiops/runbook-executor';
 * const ssm = openSsm({ clientConfig: { region: 'eu-west-1' } });
 * const synced = await syncDocument(ssm, 'Aiops-RestartUnit', {
 *   path: 'documents/restart-unit.yaml', content: 'schemaVersion: "2.2"\nmainSteps: []\n', format: 'YAML',
 *   documentType: 'Command', digest: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
 * });
 * ```
 */
export async function syncDocument(
  ssm: SsmConnection,
  name: string,
  doc: RenderedDocument,
  signal?: AbortSignal,
): Promise<SyncedDocument> {
  const versionName = versionNameOf(doc);
  let exists = true;
  try {
    await ssm.send<DescribeDocumentResult>('DescribeDocument', new DescribeDocumentCommand({ Name: name }), signal);
  } catch (err) {
    if (!(err instanceof SsmError) || err.awsCode !== 'InvalidDocument') throw err;
    exists = false;
  }
  if (!exists) {
    const created = await ssm.send<CreateDocumentResult>(
      'CreateDocument',
      new CreateDocumentCommand({
        Name: name,
        Content: doc.content,
        DocumentType: doc.documentType,
        DocumentFormat: doc.format,
        VersionName: versionName,
      }),
      signal,
    );
    return active(ssm, described(name, created.DocumentDescription), created.DocumentDescription?.Status, signal);
  }
  let token: string | undefined;
  do {
    const page = await ssm.send<ListDocumentVersionsResult>(
      'ListDocumentVersions',
      new ListDocumentVersionsCommand({ Name: name, MaxResults: 50, ...(token ? { NextToken: token } : {}) }),
      signal,
    );
    const match = page.DocumentVersions?.find((v) => v.VersionName === versionName);
    if (match?.DocumentVersion) {
      const d = await ssm.send<DescribeDocumentResult>(
        'DescribeDocument',
        new DescribeDocumentCommand({ Name: name, DocumentVersion: match.DocumentVersion }),
        signal,
      );
      return described(name, d.Document);
    }
    token = page.NextToken;
  } while (token);
  try {
    const updated = await ssm.send<UpdateDocumentResult>(
      'UpdateDocument',
      new UpdateDocumentCommand({
        Name: name,
        Content: doc.content,
        DocumentFormat: doc.format,
        DocumentVersion: '$LATEST',
        VersionName: versionName,
      }),
      signal,
    );
    return active(ssm, described(name, updated.DocumentDescription), updated.DocumentDescription?.Status, signal);
  } catch (err) {
    // Another worker created the same version a moment ago.
    if (awsErrorName((err as SsmError).cause) === 'DuplicateDocumentVersionName')
      return syncDocument(ssm, name, doc, signal);
    throw err;
  }
}

/** A new version is `Creating` / `Updating` for a moment; SendCommand refuses it until `Active`. */
async function active(
  ssm: SsmConnection,
  synced: SyncedDocument,
  status: string | undefined,
  signal: AbortSignal | undefined,
): Promise<SyncedDocument> {
  for (let i = 0; status !== undefined && status !== 'Active'; i++) {
    if (status === 'Failed' || i >= 60) {
      throw new SsmError(
        'DescribeDocument',
        'DocumentNotActive',
        `document ${synced.name} version ${synced.version} is ${status}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, i === 0 ? 100 : 500).unref());
    const d = await ssm.send<DescribeDocumentResult>(
      'DescribeDocument',
      new DescribeDocumentCommand({ Name: synced.name, DocumentVersion: synced.version }),
      signal,
    );
    status = d.Document?.Status;
  }
  return synced;
}

function described(name: string, d: { DocumentVersion?: string; Hash?: string } | undefined): SyncedDocument {
  if (!d?.DocumentVersion) throw new SsmError('DescribeDocument', 'MissingVersion', `no version for document ${name}`);
  return { name, version: d.DocumentVersion, ...(d.Hash ? { hash: d.Hash } : {}) };
}
