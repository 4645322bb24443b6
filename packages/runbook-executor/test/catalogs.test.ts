import { readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CatalogLoadReport, createFolderCatalog, createGitCatalog, createGitHubCatalog } from '../src/index.js';
import { createBareRepo } from './support/git-repo.js';
import { startGitHubServer } from './support/github-server.js';
import { localRunbook, tempRepo } from './support/repo.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe('folder catalog', () => {
  it('loads the valid runbooks, reports the invalid one, and reloads on change', async () => {
    const dir = await tempRepo({ 'runbooks/a.yaml': localRunbook('a'), 'runbooks/bad.yaml': 'id: bad\n' });
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const catalog = createFolderCatalog({ dir, pollIntervalMs: 20 });
    const reports: CatalogLoadReport[] = [];
    catalog.onChange((r) => reports.push(r));
    await catalog.start();
    expect(catalog.list().map((r) => r.id)).toEqual(['a']);
    expect(catalog.issues().some((i) => i.file === 'runbooks/bad.yaml' && i.severity === 'error')).toBe(true);
    expect(catalog.root).toBe(dir);
    const rev = catalog.revision;

    await writeFile(join(dir, 'runbooks/b.yaml'), localRunbook('b'));
    await until(() => catalog.get('b') !== undefined);
    expect(catalog.revision).not.toBe(rev);
    expect(reports.at(-1)).toMatchObject({ added: ['b'], removed: [], changed: [] });

    await writeFile(join(dir, 'runbooks/a.yaml'), localRunbook('a', 'cooldown: 1h\n'));
    await until(() => catalog.runbook('a')?.runbook.cooldownMs === 3_600_000);
    expect(reports.at(-1)?.changed).toEqual(['a']);

    await unlink(join(dir, 'runbooks/b.yaml'));
    await until(() => catalog.get('b') === undefined);
    expect(reports.at(-1)?.removed).toEqual(['b']);
    await catalog.stop();
  });

  it('ignores symbolic links, which could point outside the repository', async () => {
    const outside = await tempRepo({ 'secret.yaml': localRunbook('secret') });
    const dir = await tempRepo({ 'runbooks/a.yaml': localRunbook('a') });
    cleanups.push(
      () => rm(dir, { recursive: true, force: true }),
      () => rm(outside, { recursive: true, force: true }),
    );
    const { symlink } = await import('node:fs/promises');
    await symlink(join(outside, 'secret.yaml'), join(dir, 'runbooks/secret.yaml'));
    const catalog = createFolderCatalog({ dir });
    await catalog.ready();
    expect(catalog.list().map((r) => r.id)).toEqual(['a']);
  });

  it('validates its options eagerly, naming the field', () => {
    expect(() => createFolderCatalog({ dir: '', pollIntervalMs: -1 })).toThrow(
      /createFolderCatalog: dir: .*; pollIntervalMs: /,
    );
  });
});

describe('Git catalog', () => {
  it('loads a local bare repository pinned to a commit, and stays on it when the branch moves', async () => {
    const repo = await createBareRepo();
    cleanups.push(() => repo.cleanup());
    const first = await repo.commit({ 'runbooks/a.yaml': localRunbook('a'), 'scripts/x.sh': 'echo hi\n' }, 'first');
    await repo.commit({ 'runbooks/b.yaml': localRunbook('b') }, 'second');
    const catalog = createGitCatalog({ url: repo.url, commit: first, cacheDir: join(repo.root, 'cache') });
    await catalog.ready();
    expect(catalog.revision).toBe(first);
    expect(catalog.list().map((r) => r.id)).toEqual(['a']);
    expect(await readFile(join(catalog.root!, 'scripts/x.sh'), 'utf8')).toBe('echo hi\n');
    expect(catalog.root).toContain(first);
    expect(await catalog.reload()).toBeUndefined();
    expect(catalog.list().map((r) => r.id)).toEqual(['a']);
  });

  it('follows a branch: a new commit is fetched and loaded, an invalid runbook in it does not stop the others', async () => {
    const repo = await createBareRepo();
    cleanups.push(() => repo.cleanup());
    const first = await repo.commit({ 'runbooks/a.yaml': localRunbook('a') }, 'first');
    const catalog = createGitCatalog({ url: repo.url, ref: 'main', cacheDir: join(repo.root, 'cache') });
    await catalog.ready();
    expect(catalog.revision).toBe(first);
    const second = await repo.commit(
      { 'runbooks/b.yaml': localRunbook('b'), 'runbooks/broken.yaml': 'id: [\n' },
      'second',
    );
    const report = await catalog.reload();
    expect(report).toMatchObject({ revision: second, added: ['b'] });
    expect(
      catalog
        .list()
        .map((r) => r.id)
        .sort(),
    ).toEqual(['a', 'b']);
    expect(catalog.issues().some((i) => i.file === 'runbooks/broken.yaml')).toBe(true);
  });

  it('leaves symbolic links out of the checkout', async () => {
    const repo = await createBareRepo();
    cleanups.push(() => repo.cleanup());
    const sha = await repo.commit({ 'runbooks/a.yaml': localRunbook('a') }, 'links', {
      'runbooks/evil.yaml': '/etc/passwd',
    });
    const catalog = createGitCatalog({ url: repo.url, commit: sha, cacheDir: join(repo.root, 'cache') });
    await catalog.ready();
    expect(catalog.list().map((r) => r.id)).toEqual(['a']);
    await expect(readFile(join(catalog.root!, 'runbooks/evil.yaml'))).rejects.toThrow();
  });

  it('fails to load a commit the repository does not have, and keeps nothing half-loaded', async () => {
    const repo = await createBareRepo();
    cleanups.push(() => repo.cleanup());
    await repo.commit({ 'runbooks/a.yaml': localRunbook('a') }, 'first');
    const catalog = createGitCatalog({ url: repo.url, commit: 'f'.repeat(40), cacheDir: join(repo.root, 'cache') });
    await expect(catalog.ready()).rejects.toMatchObject({ code: 'GIT_FAILED' });
    expect(catalog.list()).toEqual([]);
    expect(() => createGitCatalog({ url: repo.url, cacheDir: '/tmp/x' })).toThrow(/give exactly one of commit/);
  });
});

describe('GitHub catalog', () => {
  it('reads runbooks and their documents through the contents API at the commit the ref points to', async () => {
    const gh = await startGitHubServer('acme', 'runbooks');
    cleanups.push(() => gh.close());
    const doc =
      'schemaVersion: "2.2"\nparameters:\n  Unit: { type: String, allowedPattern: "^[a-z]+$" }\nmainSteps: []\n';
    const ssmRunbook = `id: restart
title: Restart
risk: low
parameters: { type: object, required: [unit], properties: { unit: { type: string, pattern: '^[a-z]+$' } } }
target: { tags: { Service: '{{ unit }}' } }
action:
  type: ssm-command
  document: { name: Aiops-Restart, path: documents/restart.yaml }
  parameters: { Unit: '{{ unit }}' }
`;
    const c1 = '1'.repeat(40);
    const c2 = '2'.repeat(40);
    gh.commits.set(c1, { 'ops/runbooks/restart.yaml': ssmRunbook, 'ops/documents/restart.yaml': doc });
    gh.commits.set(c2, {
      'ops/runbooks/restart.yaml': ssmRunbook,
      'ops/documents/restart.yaml': doc,
      'ops/runbooks/nested/a.yaml': localRunbook('a'),
    });
    gh.refs.set('main', c1);
    const catalog = createGitHubCatalog({
      owner: 'acme',
      repo: 'runbooks',
      ref: 'main',
      path: 'ops',
      baseUrl: gh.baseUrl,
      auth: 'token',
    });
    await catalog.ready();
    expect(catalog.revision).toBe(c1);
    expect(catalog.list().map((r) => r.id)).toEqual(['restart']);
    expect(Object.keys(catalog.runbook('restart')!.documents)).toEqual(['documents/restart.yaml']);
    expect(catalog.root).toBeUndefined();
    expect(gh.requests.every((r) => !r.includes('/contents') || r.includes(`ref=${c1}`))).toBe(true);
    expect(await catalog.reload()).toBeUndefined();
    gh.refs.set('main', c2);
    const report = await catalog.reload();
    expect(report).toMatchObject({ revision: c2, added: ['a'] });
  });

  it('refuses an injected Octokit together with its config', () => {
    expect(() =>
      createGitHubCatalog({ owner: 'acme', repo: 'r', ref: 'main', auth: 'x', octokit: {} as never } as never),
    ).toThrow(/createGitHubCatalog/);
  });
});

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
