import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A local bare Git repository with a working copy to commit into, for catalog tests. */
export interface BareRepo {
  readonly url: string;
  readonly root: string;
  /** Writes files (and symlinks), commits, pushes to `main`, and returns the commit id. */
  commit(
    files: Readonly<Record<string, string>>,
    message: string,
    links?: Readonly<Record<string, string>>,
  ): Promise<string>;
  remove(paths: readonly string[], message: string): Promise<string>;
  cleanup(): Promise<void>;
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync(
    'git',
    ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'init.defaultBranch=main', ...args],
    {
      cwd,
      encoding: 'utf8',
    },
  ).trim();

/** Creates a bare repository in a temporary folder. */
export async function createBareRepo(): Promise<BareRepo> {
  const root = await mkdtemp(join(tmpdir(), 'rbx-git-'));
  const bare = join(root, 'origin.git');
  const work = join(root, 'work');
  git(root, 'init', '--quiet', '--bare', bare);
  git(root, 'init', '--quiet', work);
  const push = () => {
    git(work, 'push', '--quiet', bare, 'HEAD:refs/heads/main');
    return git(work, 'rev-parse', 'HEAD');
  };
  return {
    url: bare,
    root,
    async commit(files, message, links = {}) {
      for (const [path, text] of Object.entries(files)) {
        await mkdir(dirname(join(work, path)), { recursive: true });
        await writeFile(join(work, path), text);
      }
      for (const [path, to] of Object.entries(links)) {
        await mkdir(dirname(join(work, path)), { recursive: true });
        await symlink(to, join(work, path));
      }
      git(work, 'add', '-A');
      git(work, 'commit', '--quiet', '-m', message);
      return push();
    },
    async remove(paths, message) {
      git(work, 'rm', '--quiet', ...paths);
      git(work, 'commit', '--quiet', '-m', message);
      return push();
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}
