import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { runRunbooksCli, validateRunbookRepository } from '../src/index.js';
import { EXAMPLES, localRunbook, tempRepo } from './support/repo.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runRunbooksCli(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('aiops runbooks validate', () => {
  it('passes the example repository with exit code 0', async () => {
    const res = await cli('validate', EXAMPLES);
    expect(res).toEqual({ code: 0, out: 'ok: 8 valid runbooks, 0 errors, 0 warnings\n', err: '' });
  });

  it('fails a bad repository with exit code 1 and one readable line per problem', async () => {
    const dir = await tempRepo({
      'runbooks/good.yaml': localRunbook('good'),
      'runbooks/risky.yaml': localRunbook('risky').replace('risk: low', () => 'risk: extreme'),
      'runbooks/leaky.yaml': localRunbook('leaky').replace(
        "argv: [node, -e, 'console.log(process.argv[1])', '{{ service }}']",
        () => "argv: [sh, -c, 'systemctl restart {{ service }}']",
      ),
      'runbooks/named.yaml': localRunbook('not-named'),
    });
    dirs.push(dir);
    const res = await cli('validate', dir);
    expect(res.code).toBe(1);
    expect(res.err.split('\n').filter(Boolean)).toEqual([
      'runbooks/leaky.yaml:13:9 error action.argv: runs a shell with -c: parameters would be parsed by the shell; run the program directly',
      'runbooks/risky.yaml:3:7 error risk: Invalid option: expected one of "low"|"medium"|"high"',
      'invalid: 2 valid runbooks, 2 errors, 1 warning',
    ]);
    expect(res.out).toBe('runbooks/named.yaml:1:5 warning id: "not-named" differs from the file name "named"\n');
    expect((await cli('validate', dir, '--json')).out).toContain('"errors": 2');
  });

  it('fails on warnings with --strict', async () => {
    const dir = await tempRepo({ 'runbooks/named.yaml': localRunbook('not-named') });
    dirs.push(dir);
    expect((await cli('validate', dir)).code).toBe(0);
    expect((await cli('validate', dir, '--strict')).code).toBe(1);
    expect((await validateRunbookRepository(dir, { strict: true })).ok).toBe(false);
  });

  it('answers 2 on bad usage', async () => {
    expect((await cli()).code).toBe(2);
    expect((await cli('lint', EXAMPLES)).code).toBe(2);
    expect((await cli('validate')).code).toBe(2);
    expect((await cli('validate', '/does/not/exist')).code).toBe(2);
    expect((await cli('validate', EXAMPLES, '--bogus')).code).toBe(2);
    expect((await cli('--help')).code).toBe(0);
  });
});
