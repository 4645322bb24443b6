/**
 * `pnpm lint:docs`: every export of every package's `src/index.ts` must carry TSDoc with a summary and
 * an `@example`. Prints each export that does not, and exits 1 if there is any.
 *
 *   tsx scripts/check-tsdoc.ts [package...]
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const root = new URL('..', import.meta.url).pathname;
const wanted = process.argv.slice(2);
const packages = (wanted.length > 0 ? wanted : readdirSync(join(root, 'packages'))).filter((p) =>
  existsSync(join(root, 'packages', p, 'src', 'index.ts')),
);

const entries = packages.map((p) => join(root, 'packages', p, 'src', 'index.ts'));
const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (d) => {
    throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  },
});
const program = ts.createProgram(entries, { ...(config?.options ?? {}), noEmit: true });
const checker = program.getTypeChecker();

interface Problem {
  readonly pkg: string;
  readonly name: string;
  readonly what: string;
}
const problems: Problem[] = [];
let checked = 0;

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
    if (!tags.some((t) => t.name === 'example')) problems.push({ pkg, name: exported.name, what: 'no @example' });
  }
}

for (const p of problems) console.log(`@aiops/${p.pkg}: ${p.name}: ${p.what}`);
console.log(`${checked} exports checked in ${packages.length} packages, ${problems.length} problems`);
process.exitCode = problems.length > 0 ? 1 : 0;
