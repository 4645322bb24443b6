import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A tiny GitHub REST server on 127.0.0.1: commits/{ref} (sha media type) and contents/{path}?ref=. */
export interface GitHubServer {
  readonly baseUrl: string;
  /** Files per commit id, and where refs point. */
  readonly commits: Map<string, Record<string, string>>;
  readonly refs: Map<string, string>;
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startGitHubServer(owner: string, repo: string): Promise<GitHubServer> {
  const commits = new Map<string, Record<string, string>>();
  const refs = new Map<string, string>();
  const requests: string[] = [];
  const http = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const prefix = `/repos/${owner}/${repo}/`;
    const send = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (!url.pathname.startsWith(prefix)) return send(404, { message: 'Not Found' });
    const rest = decodeURIComponent(url.pathname.slice(prefix.length));
    if (rest.startsWith('commits/')) {
      const ref = rest.slice('commits/'.length);
      const sha = refs.get(ref) ?? (commits.has(ref) ? ref : undefined);
      if (!sha) return send(422, { message: 'No commit found' });
      if (String(req.headers.accept).includes('application/vnd.github.sha'))
        return send(200, sha, 'application/vnd.github.sha');
      return send(200, { sha });
    }
    if (rest.startsWith('contents/') || rest === 'contents') {
      const path = rest.slice('contents/'.length);
      const files = commits.get(url.searchParams.get('ref') ?? '');
      if (!files) return send(404, { message: 'No commit found for the ref' });
      if (files[path] !== undefined) {
        const content = Buffer.from(files[path]).toString('base64');
        return send(200, {
          type: 'file',
          name: path.split('/').pop(),
          path,
          sha: 'x',
          size: files[path].length,
          encoding: 'base64',
          content,
        });
      }
      const dir = path === '' ? '' : `${path}/`;
      const children = new Map<string, 'file' | 'dir'>();
      for (const p of Object.keys(files)) {
        if (!p.startsWith(dir)) continue;
        const [head, ...tail] = p.slice(dir.length).split('/');
        children.set(`${dir}${head}`, tail.length > 0 ? 'dir' : 'file');
      }
      if (children.size === 0) return send(404, { message: 'Not Found' });
      return send(
        200,
        [...children].map(([p, type]) => ({ type, name: p.split('/').pop(), path: p, sha: 'x', size: 0 })),
      );
    }
    send(404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    commits,
    refs,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
