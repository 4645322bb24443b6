/**
 * `pnpm lint:docs`: every export of every package's `src/index.ts` must carry TSDoc with a summary and
 * an `@example`, and every ```ts block in the TSDoc of the files that declare those exports must
 * compile. Prints each problem, and exits 1 if there is any.
 *
 *   tsx scripts/check-tsdoc.ts [package...]
 *
 * Each example is compiled as a module of its own package (so it imports `@aiops/<pkg>` and the
 * package's dependencies as a user would), with the repo's compiler options, in one Program.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const started = performance.now();
const root = new URL('..', import.meta.url).pathname;
const wanted = process.argv.slice(2);
const packages = (wanted.length > 0 ? wanted : readdirSync(join(root, 'packages'))).filter((p) =>
  existsSync(join(root, 'packages', p, 'src', 'index.ts')),
);

const entries = packages.map((p) => join(root, 'packages', p, 'src', 'index.ts'));
const config = ts.getParsedCommandLineOfConfigFile(
  join(root, 'tsconfig.json'),
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  },
);
const options: ts.CompilerOptions = { ...(config?.options ?? {}), noEmit: true };

// Both Programs read the sources through this host, so the second one parses nothing twice.
const baseHost = ts.createCompilerHost(options, true);
const parsed = new Map<string, ts.SourceFile | undefined>();
const virtualFiles = new Map<string, string>();
const host: ts.CompilerHost = {
  ...baseHost,
  fileExists: (f) => virtualFiles.has(f) || baseHost.fileExists(f),
  readFile: (f) => virtualFiles.get(f) ?? baseHost.readFile(f),
  getSourceFile(fileName, languageVersion, onError, shouldCreate) {
    const text = virtualFiles.get(fileName);
    if (text !== undefined) return ts.createSourceFile(fileName, text, languageVersion, true);
    if (!parsed.has(fileName)) {
      parsed.set(fileName, baseHost.getSourceFile(fileName, languageVersion, onError, shouldCreate));
    }
    return parsed.get(fileName);
  },
};

const program = ts.createProgram({ rootNames: entries, options, host });
const checker = program.getTypeChecker();

interface Problem {
  readonly pkg: string;
  readonly name: string;
  readonly what: string;
}
const problems: Problem[] = [];
let checked = 0;

/** A ```ts block found in TSDoc, to be compiled. */
interface Example {
  readonly pkg: string;
  /** The export it documents, or the declaration's name for other declarations in the same files. */
  readonly name: string;
  readonly code: string;
}
const examples: Example[] = [];
/** JSDoc comments already collected, so that a comment is compiled once. */
const seen = new Set<ts.JSDoc>();
/** The source files that declare checked exports, with the package they belong to. */
const declaringFiles = new Map<ts.SourceFile, string>();

for (const [i, entry] of entries.entries()) {
  const pkg = packages[i]!;
  const source = program.getSourceFile(entry);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!moduleSymbol) continue;
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    checked++;
    const summary = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
    const tags = symbol.getJsDocTags(checker);
    // A class or interface documented on its declaration counts; so does a function's first overload.
    if (summary === '') problems.push({ pkg, name: exported.name, what: 'no TSDoc summary' });
    if (!tags.some((t) => t.name === 'example')) {
      problems.push({ pkg, name: exported.name, what: 'no @example' });
    }
    let blocks = 0;
    for (const decl of symbol.declarations ?? []) {
      const file = decl.getSourceFile();
      if (!file.isDeclarationFile && !declaringFiles.has(file)) declaringFiles.set(file, pkg);
      for (const doc of jsDocsOf(decl)) blocks += collect(pkg, exported.name, doc);
    }
    // Only a fenced block can be compiled; an @example in prose proves nothing.
    if (blocks === 0 && tags.some((t) => t.name === 'example')) {
      problems.push({ pkg, name: exported.name, what: 'no ```ts block in @example' });
    }
  }
}

// The other documented declarations in the same files (members, helpers): their examples must compile too.
for (const [file, pkg] of declaringFiles) {
  const visit = (node: ts.Node): void => {
    for (const doc of ownJsDocs(node)) collect(pkg, nameOf(node), doc);
    ts.forEachChild(node, visit);
  };
  visit(file);
}

compileExamples();

// Grouped by package, in the order the packages were named.
problems.sort((a, b) => packages.indexOf(a.pkg) - packages.indexOf(b.pkg));
for (const p of problems) console.log(`@aiops/${p.pkg}: ${p.name}: ${p.what}`);
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(
  `${checked} exports and ${examples.length} examples checked in ${packages.length} packages in ${seconds} s, ${problems.length} problems`,
);
process.exitCode = problems.length > 0 ? 1 : 0;

/** The JSDoc comments that document a declaration (a variable's sit on its statement). */
function jsDocsOf(decl: ts.Node): ts.JSDoc[] {
  return ownJsDocs(ts.isVariableDeclaration(decl) ? decl.parent.parent : decl);
}

/** The JSDoc comments written right before `node`, and not those of an enclosing declaration. */
function ownJsDocs(node: ts.Node): ts.JSDoc[] {
  return ts.getJSDocCommentsAndTags(node).filter((d): d is ts.JSDoc => ts.isJSDoc(d) && d.parent === node);
}

/** Queues every ```ts block of `doc` under `name`, once; returns how many `doc` holds. */
function collect(pkg: string, name: string, doc: ts.JSDoc): number {
  const { blocks, unclosed } = fencedBlocks(doc);
  if (!seen.has(doc)) {
    seen.add(doc);
    for (const code of blocks) examples.push({ pkg, name, code });
    // An unclosed fence swallows the rest of the comment in the rendered docs.
    if (unclosed) problems.push({ pkg, name, what: 'unclosed ``` block in TSDoc' });
  }
  return blocks.length;
}

/** The ```ts / ```typescript blocks of a JSDoc comment, from its raw text so nothing is reflowed. */
function fencedBlocks(doc: ts.JSDoc): { blocks: string[]; unclosed: boolean } {
  const lines = doc
    .getText()
    .replace(/^\/\*\*|\*\/$/g, '')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, ''));
  const blocks: string[] = [];
  // `undefined` outside a fence, `null` inside a fence of another language, else the lines so far.
  let current: string[] | null | undefined;
  for (const line of lines) {
    const fence = /^\s*```(\S*)\s*$/.exec(line);
    if (current === undefined) {
      if (fence) current = fence[1] === 'ts' || fence[1] === 'typescript' ? [] : null;
    } else if (fence && fence[1] === '') {
      if (current !== null) blocks.push(current.join('\n'));
      current = undefined;
    } else {
      current?.push(line);
    }
  }
  return { blocks, unclosed: current !== undefined };
}

/** A readable name for a documented node: `Class.member`, a declaration's name, or `file:line`. */
function nameOf(node: ts.Node): string {
  const own = declarationName(node);
  const parent = node.parent && declarationName(node.parent);
  if (own && parent && (ts.isClassLike(node.parent) || ts.isInterfaceDeclaration(node.parent))) {
    return `${parent}.${own}`;
  }
  if (own) return own;
  const file = node.getSourceFile();
  const { line } = file.getLineAndCharacterOfPosition(node.getStart());
  return `${relative(root, file.fileName)}:${line + 1}`;
}

function declarationName(node: ts.Node): string | undefined {
  if (ts.isVariableStatement(node)) {
    return node.declarationList.declarations.map((d) => d.name.getText()).join(', ');
  }
  const name = (node as { name?: ts.Node }).name;
  return name && (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name))
    ? name.text
    : undefined;
}

function compileExamples(): void {
  // Each example lives in its package's folder, so `@aiops/*` resolves through `paths` and other
  // imports through the package's own dependencies; `type: module` there makes top-level await legal.
  const byFile = new Map<string, Example>();
  for (const [n, example] of examples.entries()) {
    const file = join(root, 'packages', example.pkg, '.tsdoc-examples', `example-${n}.ts`);
    virtualFiles.set(file, example.code);
    byFile.set(file, example);
  }
  if (byFile.size === 0) return;
  const exampleProgram = ts.createProgram({
    rootNames: [...byFile.keys()],
    // Examples are fragments that show a call: an unused result or import is not a fault there.
    options: {
      ...options,
      noUnusedLocals: false,
      noUnusedParameters: false,
      moduleDetection: ts.ModuleDetectionKind.Force,
    },
    host,
    oldProgram: program,
  });
  for (const [file, example] of byFile) {
    const source = exampleProgram.getSourceFile(file);
    if (!source) continue;
    const diagnostics = [
      ...exampleProgram.getSyntacticDiagnostics(source),
      ...exampleProgram.getSemanticDiagnostics(source),
    ];
    const first = diagnostics[0];
    if (!first) continue;
    const where =
      first.file && first.start !== undefined
        ? ` (example line ${first.file.getLineAndCharacterOfPosition(first.start).line + 1})`
        : '';
    const message = ts.flattenDiagnosticMessageText(first.messageText, ' ');
    problems.push({ pkg: example.pkg, name: example.name, what: `example does not compile: ${message}${where}` });
  }
}
