import * as assert from "node:assert/strict";
import { cutBackCandidates, enclosingBlockSource, guardSuggestion } from "../../../src/core/completion/syntaxGuard";
import { createTextSnapshot } from "../../../src/core/completion/textSnapshot";
import { createTreeSitterSyntaxGuard } from "../../../src/core/syntax/treeSitterSyntaxGuard";
import type { TreeSitterSyntaxGuard } from "../../../src/core/syntax/treeSitterSyntaxGuard";
import { locateTreeSitterWasmDirectory } from "../../../src/cli/treeSitterWasm";

/** A stand-in parser: one error per unbalanced "(" or ")". */
function parenErrors(source: string): number {
    let depth = 0;
    let errors = 0;
    for (const char of source) {
        if (char === "(") depth++;
        else if (char === ")") {
            if (depth === 0) errors++;
            else depth--;
        }
    }
    return errors + depth;
}

describe("syntax guard algorithm", () => {
    it("keeps a suggestion that adds no error, even when the code had errors before", () => {
        const verdict = guardSuggestion({ before: "print(", insertText: "x", after: "" }, parenErrors);
        assert.equal(verdict.action, "kept");
        assert.equal(verdict.text, "x");
        assert.equal(verdict.errorsWithout, 1);
        assert.equal(verdict.errorsWith, 1);
    });

    it("cuts a suggestion that fixes the unfinished line but breaks something else", () => {
        // "print(" has one error; "print(x))" has one too, but "print(x)" has none.
        const verdict = guardSuggestion({ before: "print(", insertText: "x))", after: "" }, parenErrors);
        assert.equal(verdict.action, "cut");
        assert.equal(verdict.text, "x)");
    });

    it("keeps a suggestion when the remaining errors are elsewhere and no prefix does better", () => {
        const verdict = guardSuggestion({ before: "a = 1\n", insertText: "b = 2", after: "\nc = (" }, parenErrors);
        assert.equal(verdict.action, "kept");
        assert.equal(verdict.text, "b = 2");
    });

    it("cuts back to the longest line prefix that adds no error", () => {
        const verdict = guardSuggestion({ before: "", insertText: "a = 1\nb = f(2)\nc = g(", after: "" }, parenErrors);
        assert.equal(verdict.action, "cut");
        assert.equal(verdict.text, "a = 1\nb = f(2)");
    });

    it("cuts inside a single line at a word boundary", () => {
        const verdict = guardSuggestion({ before: "x = ", insertText: "a + b)", after: "" }, parenErrors);
        assert.equal(verdict.action, "cut");
        assert.equal(verdict.text, "a + b");
    });

    it("drops a suggestion when no prefix is clean", () => {
        const verdict = guardSuggestion({ before: "x = ", insertText: ")", after: "" }, parenErrors);
        assert.equal(verdict.action, "dropped");
        assert.equal(verdict.text, "");
    });

    it("offers line prefixes first, longest first, then word ends of the first line", () => {
        assert.deepEqual(cutBackCandidates("ab cd\nef\ngh"), ["ab cd\nef", "ab cd", "ab"]);
        assert.deepEqual(cutBackCandidates("f(a)"), ["f(a", "f"]);
    });

    it("takes the enclosing top-level block around the cursor (with decorators), not the whole file", () => {
        const document = createTextSnapshot([
            "import os", "", "@decorator", "def f(a):", "    if a:", "        return 1", "    return 2", "", "else_value = 3", "def g():", "    pass",
        ].join("\n"));
        const block = enclosingBlockSource(document, { line: 5, character: 8 });
        assert.equal(block.before, "@decorator\ndef f(a):\n    if a:\n        ");
        assert.equal(block.after, "return 1\n    return 2\n");
    });
});

describe("tree-sitter syntax guard", function () {
    this.timeout(20_000);
    let guard: TreeSitterSyntaxGuard;

    before(async () => {
        guard = await createTreeSitterSyntaxGuard({ wasmDirectory: locateTreeSitterWasmDirectory() });
    });

    after(() => guard.dispose());

    it("counts no errors in valid Python and some in broken Python", () => {
        assert.equal(guard.parseErrors("def add(a, b):\n    return a + b\n"), 0);
        assert.equal(guard.parseErrors("if x != y:\n    pass\n"), 0);
        assert.ok(guard.parseErrors("x = foo(a, b))\n") > 0);
        assert.ok(guard.parseErrors("def f(:\n") > 0);
    });

    it("keeps a valid body, cuts an unbalanced closer and drops pure junk", () => {
        const kept = guard.check({ before: "def add(a, b):\n    ", insertText: "total = a + b\n    return total", after: "\n" });
        assert.equal(kept.action, "kept");
        const cut = guard.check({ before: "def add(a, b):\n    return ", insertText: "a + b))", after: "\n" });
        assert.equal(cut.action, "cut");
        assert.equal(cut.text, "a + b");
        const dropped = guard.check({ before: "def add(a, b):\n    return a", insertText: " ) ] }", after: "\n" });
        assert.equal(dropped.action, "dropped");
    });

    it("cuts a multi-line suggestion back to its last clean line", () => {
        const verdict = guard.check({ before: "def f(xs):\n    ", insertText: "total = 0\n    for x in xs:\n        total += x\n    return total +", after: "\n" });
        assert.equal(verdict.action, "cut");
        assert.equal(verdict.text, "total = 0\n    for x in xs:\n        total += x");
    });

    it("keeps a suggestion that closes what the user left open", () => {
        const verdict = guard.check({ before: "print(", insertText: "\"hello\")", after: "\n" });
        assert.equal(verdict.action, "kept");
        assert.equal(verdict.errorsWith, 0);
        assert.equal(verdict.parses, 1, "a clean result needs no second parse");
    });
});
