import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunbookSummarySchema } from '@aiops/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  folderFiles,
  formatIssue,
  loadRunbookRepository,
  parseTemplate,
  RunbookSchema,
  renderTemplate,
  screenValue,
} from '../src/index.js';
import { EXAMPLES, localRunbook, memoryRepo } from './support/repo.js';

const EXAMPLE_IDS = [
  'flush-cache',
  'free-disk-space',
  'recycle-connection-pool',
  'restart-ec2-instance',
  'restart-service',
  'restart-service-ssm',
  'rollback-deployment',
  'scale-out-asg',
];

const load = (files: Record<string, string>) => loadRunbookRepository(memoryRepo(files));
const errorsOf = async (files: Record<string, string>) =>
  (await load(files)).issues.filter((i) => i.severity === 'error').map(formatIssue);

describe('runbook format', () => {
  it('loads every runbook of examples/runbooks, each with a summary core accepts', async () => {
    const res = await loadRunbookRepository(folderFiles(EXAMPLES));
    expect(res.issues).toEqual([]);
    expect(res.runbooks.map((r) => r.runbook.id).sort()).toEqual(EXAMPLE_IDS);
    for (const r of res.runbooks) expect(RunbookSummarySchema.parse(r.summary)).toEqual(r.summary);
    const ssm = res.runbooks.find((r) => r.runbook.id === 'restart-service-ssm')!;
    expect(Object.keys(ssm.documents)).toEqual(['documents/restart-systemd-unit.yaml']);
    expect(ssm.runbook.cooldownMs).toBe(30 * 60_000);
    expect(ssm.runbook.verify?.withinMs).toBe(10 * 60_000);
  });

  it('the examples in docs/runbooks.md are valid runbooks', async () => {
    const doc = readFileSync(join(EXAMPLES, '../../docs/runbooks.md'), 'utf8');
    const blocks = [...doc.matchAll(/```yaml\n(id: [\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBe(3);
    const files: Record<string, string> = {
      'documents/restart-systemd-unit.yaml': readFileSync(
        join(EXAMPLES, 'documents/restart-systemd-unit.yaml'),
        'utf8',
      ),
    };
    for (const b of blocks) files[`runbooks/${/^id: (\S+)/.exec(b)![1]}.yaml`] = b;
    const res = await load(files);
    expect(res.issues).toEqual([]);
    expect(res.runbooks.map((r) => r.runbook.action.type).sort()).toEqual(['local', 'ssm-automation', 'ssm-command']);
  });

  it('names the file, line, column and field of a schema error', async () => {
    const text = localRunbook('bad').replace('risk: low', () => 'risk: extreme');
    expect(await errorsOf({ 'runbooks/bad.yaml': text })).toEqual([
      'runbooks/bad.yaml:3:7 error risk: Invalid option: expected one of "low"|"medium"|"high"',
    ]);
  });

  it('refuses unknown fields, so a misspelt safety keyword cannot vanish', async () => {
    const text = localRunbook('typo').replace("pattern: '^[a-z0-9-]{1,32}$'", () => "patern: '^[a-z0-9-]{1,32}$'");
    const errors = await errorsOf({ 'runbooks/typo.yaml': text });
    expect(errors).toEqual(['runbooks/typo.yaml:8:14 error parameters.properties.service: unknown field(s) patern']);
  });

  it('reports YAML syntax errors and duplicate keys with their line', async () => {
    expect(await errorsOf({ 'runbooks/a.yaml': 'id: a\ntitle: [unclosed\n' })).toEqual([
      expect.stringMatching(/^runbooks\/a\.yaml:3:1 error: YAML: /),
    ]);
    expect(await errorsOf({ 'runbooks/b.yaml': 'id: b\nid: c\n' })).toEqual([
      expect.stringMatching(/^runbooks\/b\.yaml:2:1 error: YAML: Map keys must be unique/),
    ]);
  });

  it('requires safe parameter patterns: anchored, refusing shell metacharacters, or an enum', async () => {
    const props = (p: string) =>
      localRunbook('p').replace("service: { type: string, pattern: '^[a-z0-9-]{1,32}$' }", () => p);
    expect(await errorsOf({ 'runbooks/p.yaml': props("service: { type: string, pattern: '[a-z]+' }") })).toEqual([
      expect.stringContaining('parameters.properties.service.pattern: is not anchored'),
    ]);
    expect(await errorsOf({ 'runbooks/p.yaml': props("service: { type: string, pattern: '^.+$' }") })).toEqual([
      expect.stringContaining('accepts "a;b", a value a shell would split'),
    ]);
    expect(await errorsOf({ 'runbooks/p.yaml': props('service: { type: string }') })).toEqual([
      expect.stringContaining('is a string without a pattern or an enum'),
    ]);
    expect(await errorsOf({ 'runbooks/p.yaml': props("service: { type: string, enum: [api, 'a;b'] }") })).toEqual([
      expect.stringContaining('parameters.properties.service.enum.1: is refused by the value screen'),
    ]);
  });

  it('refuses templates that refer to unknown or optional parameters, and malformed braces', async () => {
    const errors = await errorsOf({
      'runbooks/t.yaml': localRunbook('t')
        .replace("'{{ service }}']", () => "'{{ service }}', '{{ nope }}', '{{ opt }}', '{{ service | upper }}']")
        .replace(
          "    service: { type: string, pattern: '^[a-z0-9-]{1,32}$' }",
          () => "    service: { type: string, pattern: '^[a-z0-9-]{1,32}$' }\n    opt: { type: integer }",
        ),
    });
    expect(errors).toEqual([
      expect.stringContaining('action.argv.4: refers to {{ nope }}, which is not a parameter'),
      expect.stringContaining('action.argv.5: refers to {{ opt }}, which is optional and has no default'),
      expect.stringContaining('action.argv.6: has a brace pair that is not a parameter reference'),
    ]);
  });

  it('refuses a local runbook that hands parameters to a shell, or picks its program from a parameter', async () => {
    const shell = localRunbook('sh').replace(
      "argv: [node, -e, 'console.log(process.argv[1])', '{{ service }}']",
      () => "argv: [bash, -c, 'systemctl restart {{ service }}']",
    );
    expect(await errorsOf({ 'runbooks/sh.yaml': shell })).toEqual([
      expect.stringContaining('action.argv: runs a shell with -c'),
    ]);
    const prog = localRunbook('prog').replace(
      "argv: [node, -e, 'console.log(process.argv[1])', '{{ service }}']",
      () => "argv: ['{{ service }}']",
    );
    expect(await errorsOf({ 'runbooks/prog.yaml': prog })).toEqual([
      expect.stringContaining('action.argv.0: is the program to run and must be literal'),
    ]);
  });

  it('refuses parameters flowing into AWS-RunShellScript commands', async () => {
    const text = `id: shell
title: Shell
risk: low
parameters: { type: object, required: [service], properties: { service: { type: string, pattern: '^[a-z]+$' } } }
target: { tags: { Service: '{{ service }}' } }
action:
  type: ssm-command
  document: { name: AWS-RunShellScript }
  parameters:
    commands: ['systemctl restart {{ service }}']
`;
    expect(await errorsOf({ 'runbooks/shell.yaml': text })).toEqual([
      'runbooks/shell.yaml:10:15 error action.parameters.commands: would put a runbook parameter into shell code (AWS-RunShellScript); use a document with allowedPattern',
    ]);
  });

  it('checks custom documents: inside the repository, parameters known, allowedPattern where values flow', async () => {
    const runbook = (path: string) => `id: doc
title: Doc
risk: low
parameters: { type: object, required: [unit], properties: { unit: { type: string, pattern: '^[a-z]+$' } } }
target: { instanceIds: ['i-0123456789abcdef0'] }
action:
  type: ssm-command
  document: { name: Aiops-Doc, path: ${path} }
  parameters: { Unit: '{{ unit }}', Extra: x }
`;
    expect(await errorsOf({ 'runbooks/doc.yaml': runbook('../../etc/passwd') })).toEqual([
      'runbooks/doc.yaml:8:38 error action.document.path: must stay inside the repository (no ".." segments)',
    ]);
    expect(await errorsOf({ 'runbooks/doc.yaml': runbook('/etc/passwd') })).toEqual([
      expect.stringContaining('action.document.path: must be relative to the repository root'),
    ]);
    expect(await errorsOf({ 'runbooks/doc.yaml': runbook('documents/missing.yaml') })).toEqual([
      expect.stringContaining('action.document.path: does not exist in the repository'),
    ]);
    const doc =
      'schemaVersion: "2.2"\nparameters:\n  Unit: { type: String }\n  Needed: { type: String }\nmainSteps: []\n';
    expect(await errorsOf({ 'runbooks/doc.yaml': runbook('documents/d.yaml'), 'documents/d.yaml': doc })).toEqual([
      expect.stringContaining(
        'action.parameters.Unit: receives a runbook parameter, so the document must give "Unit" an allowedPattern',
      ),
      expect.stringContaining('action.parameters.Extra: is not a parameter of document Aiops-Doc'),
      expect.stringContaining('action.parameters: misses "Needed"'),
    ]);
    const loose =
      'schemaVersion: "2.2"\nparameters:\n  Unit: { type: String, allowedPattern: "^.*$" }\n  Extra: { type: String, default: "" }\nmainSteps: []\n';
    expect(await errorsOf({ 'runbooks/doc.yaml': runbook('documents/d.yaml'), 'documents/d.yaml': loose })).toEqual([
      expect.stringContaining('flows into "Unit", whose allowedPattern accepts "a;b"'),
    ]);
    expect(
      await errorsOf({
        'runbooks/doc.yaml': runbook('documents/d.yaml').replace('Aiops-Doc', () => 'AWS-Mine'),
        'documents/d.yaml': doc,
      }),
    ).toEqual([expect.stringContaining('action.document.name: starts with a prefix AWS reserves')]);
    const automation = 'schemaVersion: "0.3"\nmainSteps: []\n';
    expect(
      await errorsOf({ 'runbooks/doc.yaml': runbook('documents/d.yaml'), 'documents/d.yaml': automation }),
    ).toEqual([expect.stringContaining('is an Automation document; ssm-command needs Command')]);
  });

  it('leaves out runbooks with duplicate ids and rollbacks that do not resolve, keeping the rest', async () => {
    const res = await load({
      'runbooks/a.yaml': localRunbook('same'),
      'runbooks/b.yaml': localRunbook('same'),
      'runbooks/ok.yaml': localRunbook('ok'),
      'runbooks/gated.yaml': localRunbook('gated', 'approval: required\n'),
      'runbooks/r1.yaml': localRunbook('r1', 'onFailure: { rollback: { runbook: ghost } }\n'),
      'runbooks/r2.yaml': localRunbook(
        'r2',
        'onFailure: { rollback: { runbook: gated, parameters: { service: "{{ service }}" } } }\n',
      ),
      'runbooks/r3.yaml': localRunbook('r3', 'onFailure: { rollback: { runbook: ok, parameters: { nope: x } } }\n'),
      'runbooks/r4.yaml': localRunbook(
        'r4',
        'onFailure: { rollback: { runbook: r1, parameters: { service: "{{ service }}" } } }\n',
      ),
    });
    expect(res.runbooks.map((r) => r.runbook.id).sort()).toEqual(['gated', 'ok']);
    const messages = res.issues.map((i) => `${i.runbookId}: ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^same: "same" is also the id of runbooks\/b\.yaml/),
        'r1: names runbook "ghost", which is not in the catalog (or is invalid)',
        'r2: names runbook "gated", which needs approval: a rollback cannot wait',
        'r3: gives "nope", which is not a parameter of "ok"',
        'r4: names runbook "r1", which is not in the catalog (or is invalid)',
      ]),
    );
  });

  it('warns when the id differs from the file name, and reports an empty runbooks folder', async () => {
    const res = await load({ 'runbooks/other-name.yaml': localRunbook('real-id') });
    expect(res.runbooks).toHaveLength(1);
    expect(res.issues).toEqual([
      expect.objectContaining({
        severity: 'warning',
        path: 'id',
        message: '"real-id" differs from the file name "other-name"',
      }),
    ]);
    expect((await load({ 'README.md': '# none' })).issues[0]!.message).toBe('holds no runbook (.yaml or .yml) files');
  });

  it('parses durations and gives defaults', () => {
    const r = RunbookSchema.parse({
      id: 'd',
      title: 'D',
      risk: 'low',
      cooldown: '90s',
      timeout: 1500,
      verify: { within: '1.5h' },
      action: { type: 'local', argv: ['true'] },
    });
    expect(r).toMatchObject({
      cooldownMs: 90_000,
      timeoutMs: 1_500,
      verify: { withinMs: 5_400_000 },
      approval: 'none',
      onFailure: { escalate: true },
    });
    expect(
      RunbookSchema.safeParse({
        id: 'd',
        title: 'D',
        risk: 'low',
        cooldown: 'soon',
        action: { type: 'local', argv: ['true'] },
      }).success,
    ).toBe(false);
  });
});

describe('templates and the value screen', () => {
  it('renders in one pass: a value that looks like a template stays literal', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        expect(renderTemplate('x={{ v }};', { v: value })).toBe(`x=${value};`);
      }),
    );
    expect(parseTemplate('{{ a }}{{b}}').ok).toBe(true);
    expect(parseTemplate('{{ a.b }}').ok).toBe(false);
  });

  it('refuses every value holding a shell metacharacter, control character, quote, brace or leading dash', () => {
    const bad = fc.constantFrom(
      ';',
      '|',
      '&',
      '$',
      '`',
      '<',
      '>',
      '\n',
      '\r',
      '\0',
      "'",
      '"',
      '\\',
      '{',
      '}',
      '\u202e',
    );
    fc.assert(
      fc.property(fc.string(), bad, fc.string(), (a, ch, b) => {
        expect(screenValue('p', `${a}${ch}${b}`)).toBeDefined();
      }),
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9][a-z0-9._/-]{0,60}$/), (v) => {
        const traversal = /(^|\/)\.\.(\/|$)/.test(v);
        expect(screenValue('p', v) === undefined).toBe(!traversal);
      }),
    );
    expect(screenValue('p', '../../etc/passwd')?.message).toBe('a path traversal ("..")');
    expect(screenValue('p', '--config=/etc/x')?.message).toBe(
      'a leading dash, which a program would read as an option',
    );
    expect(screenValue('p', 'x'.repeat(257))?.message).toBe('a value of 257 characters (at most 256)');
    expect(screenValue('p', 42)).toBeUndefined();
  });
});
