// The npm package as a user installs it: the native binding loads into the `tree-sitter` Node
// bindings, the node types and queries ship with it, and the bundled example parses cleanly.
import assert from "node:assert";
import { readFileSync, readdirSync } from "node:fs";
import { test } from "node:test";
import Parser from "tree-sitter";

const { default: language } = await import("./index.js");
const examples = new URL("../../../../examples/hello/bind/", import.meta.url);

test("the grammar loads into a parser", () => {
  const parser = new Parser();
  parser.setLanguage(language);
  assert.ok(language.nodeTypeInfo.length > 0, "node types ship with the package");
});

test("the package ships its queries", () => {
  assert.match(language.HIGHLIGHTS_QUERY, /@keyword/);
  assert.match(language.LOCALS_QUERY, /@local\./);
  assert.match(language.INJECTIONS_QUERY, /@injection\./);
  // Each query compiles against the language.
  for (const source of [language.HIGHLIGHTS_QUERY, language.LOCALS_QUERY, language.INJECTIONS_QUERY]) {
    new Parser.Query(language, source);
  }
});

test("the hello example parses without errors", () => {
  const parser = new Parser();
  parser.setLanguage(language);
  const files = readdirSync(examples).filter((f) => f.endsWith(".bind"));
  assert.ok(files.length >= 2, `bind files in ${examples}`);
  for (const file of files) {
    const tree = parser.parse(readFileSync(new URL(file, examples), "utf8"));
    assert.equal(tree.rootNode.type, "source_file", file);
    assert.equal(tree.rootNode.hasError, false, `${file}: ${tree.rootNode.toString()}`);
  }
});
