import * as assert from "node:assert/strict";
import { GUARD_LINES_AFTER, GUARD_LINES_BEFORE, enclosingBlockSource } from "../../../src/core/syntax/guardRegion";
import { guardTimeBudgetMs } from "../../../src/core/syntax/syntaxGuard";
import {
    addsProblems,
    cutBackCandidates,
    guardSuggestion,
    insertionPlace,
    leavesBracketOpen,
    searchCleanCandidate,
} from "../../../src/core/syntax/syntaxGuard";
import type { ParseProblem, ParseProblemFinder } from "../../../src/core/syntax/syntaxGuard";
import { createTextSnapshot } from "../../../src/core/python/textSnapshot";
import { createTreeSitterSyntaxGuard, editBetween } from "../../../src/core/syntax/treeSitterSyntaxGuard";
import type { TreeSitterSyntaxGuard } from "../../../src/core/syntax/treeSitterSyntaxGuard";
import { locateTreeSitterWasmDirectory } from "../../../src/cli/treeSitterWasm";

/**
 * A stand-in parser for brackets only, shaped like tree-sitter's answers: a ")" that closes nothing
 * is an error of its own; a "(" never closed is an error from it to the end of the source.
 */
function parenProblems(source: string): ParseProblem[] {
    const problems: ParseProblem[] = [];
    const open: number[] = [];
    for (let index = 0; index < source.length; index++) {
        if (source[index] === "(") open.push(index);
        else if (source[index] === ")") {
            if (open.length === 0) problems.push({ kind: "error", start: index, end: index + 1 });
            else open.pop();
        }
    }
    for (const start of open) problems.push({ kind: "error", start, end: source.length });
    return problems;
}

/** The fake parser, counting its calls. */
function countingParser(): { find: ParseProblemFinder; sources: string[] } {
    const sources: string[] = [];
    return { sources, find: (source) => (sources.push(source), parenProblems(source)) };
}

describe("syntax guard algorithm", () => {
    it("keeps a suggestion that adds no error, even when the code had errors before", () => {
        const verdict = guardSuggestion({ before: "print(", insertText: "x", after: "" }, parenProblems);
        assert.equal(verdict.action, "kept");
        assert.equal(verdict.text, "x");
        assert.equal(verdict.errorsWithout, 1);
        assert.equal(verdict.errorsWith, 1);
    });

    it("parses once when the suggestion leaves the region clean, twice when it leaves only errors it did not add", () => {
        const clean = countingParser();
        assert.equal(guardSuggestion({ before: "print(", insertText: "x)", after: "\n" }, clean.find).parses, 1);
        assert.deepEqual(clean.sources, ["print(x)\n"]);
        const unfinished = countingParser();
        const verdict = guardSuggestion({ before: "print(", insertText: "x, y", after: "\n" }, unfinished.find);
        assert.equal(verdict.action, "kept");
        assert.equal(verdict.parses, 2);
        assert.deepEqual(unfinished.sources, ["print(x, y\n", "print(\n"]);
    });

    it("cuts a suggestion that fixes the unfinished line but breaks something else", () => {
        // "print(" has one error; "print(x))" has one too, but "print(x)" has none.
        const verdict = guardSuggestion({ before: "print(", insertText: "x))", after: "" }, parenProblems);
        assert.equal(verdict.action, "cut");
        assert.equal(verdict.text, "x)");
    });

    it("catches a suggestion that breaks already-broken code although the error total shrinks", () => {
        // Two unclosed brackets before, one stray closer after: counting alone would keep it.
        const verdict = guardSuggestion({ before: "print(f(", insertText: "x)))", after: "\n" }, parenProblems);
        assert.equal(verdict.errorsWithout, 2);
        assert.equal(verdict.errorsWith, 1);
        assert.equal(verdict.action, "cut");
        assert.equal(verdict.text, "x))");
    });

    it("judges the code at the cursor, neither excused nor blocked by an error further up", () => {
        const before = "y = 1)\nx = ";
        assert.equal(guardSuggestion({ before, insertText: "2", after: "\n" }, parenProblems).action, "kept");
        const broken = guardSuggestion({ before, insertText: "2)", after: "\n" }, parenProblems);
        assert.equal(broken.action, "cut");
        assert.equal(broken.text, "2");
    });

    it("keeps a suggestion when the remaining errors are elsewhere and it adds none", () => {
        const verdict = guardSuggestion({ before: "a = 1\n", insertText: "b = 2", after: "\nc = (" }, parenProblems);
        assert.equal(verdict.action, "kept");
        assert.equal(verdict.text, "b = 2");
    });

    it("catches a suggestion that breaks the code after it", () => {
        const verdict = guardSuggestion({ before: "a = 1\n", insertText: "b = (2", after: "\nc = 3\n" }, parenProblems);
        assert.equal(verdict.action, "cut");
        assert.equal(verdict.text, "b");
    });

    it("cuts back to the longest line prefix that adds no error", () => {
        const verdict = guardSuggestion({ before: "", insertText: "a = 1\nb = f(2)\nc = g(", after: "" }, parenProblems);
        assert.equal(verdict.action, "cut");
        assert.equal(verdict.text, "a = 1\nb = f(2)");
    });

    it("cuts inside a single line at a word boundary", () => {
        const verdict = guardSuggestion({ before: "x = ", insertText: "a + b)", after: "" }, parenProblems);
        assert.equal(verdict.action, "cut");
        assert.equal(verdict.text, "a + b");
    });

    it("tries first the candidate that ends right before the suggestion's own problem", () => {
        const parser = countingParser();
        const verdict = guardSuggestion({ before: "x = ", insertText: "a + b + c + d + e) + f + g", after: "\n" }, parser.find);
        assert.equal(verdict.text, "a + b + c + d + e");
        assert.equal(verdict.parses, 4, "with, without, the cut before the stray ), the next longer one");
        assert.deepEqual(parser.sources.slice(2), ["x = a + b + c + d + e\n", "x = a + b + c + d + e)\n"]);
    });

    it("treats what the parser could not check in time as broken", () => {
        const outOfTime: ParseProblemFinder = () => undefined;
        const dropped = guardSuggestion({ before: "x = ", insertText: "1", after: "\n" }, outOfTime);
        assert.deepEqual([dropped.action, dropped.outOfTime], ["dropped", true]);
        // In time for the whole suggestion and the source without it, not for the longer candidates.
        let calls = 0;
        const slowLater: ParseProblemFinder = (source) => (++calls <= 2 || source.length < 10 ? parenProblems(source) : undefined);
        const cut = guardSuggestion({ before: "x = ", insertText: "a + bb + c)", after: "\n" }, slowLater);
        assert.deepEqual([cut.action, cut.text, cut.outOfTime], ["cut", "a", true]);
        const clean = guardSuggestion({ before: "x = ", insertText: "1", after: "\n" }, parenProblems);
        assert.equal(clean.outOfTime, undefined);
    });

    describe("searchCleanCandidate", () => {
        /** Candidates from `firstClean` on are clean; records the probes. */
        function probeFrom(firstClean: number): { isClean: (index: number) => boolean; probes: number[] } {
            const probes: number[] = [];
            return { probes, isClean: (index) => (probes.push(index), index >= firstClean) };
        }

        it("finds the first clean candidate from any start, gallopping then halving", () => {
            for (let count = 1; count <= 20; count++) {
                for (let firstClean = 0; firstClean <= count; firstClean++) {
                    for (let start = 0; start < count; start++) {
                        const search = probeFrom(firstClean);
                        assert.equal(searchCleanCandidate(count, start, search.isClean), firstClean, `count ${count}, first clean ${firstClean}, start ${start}`);
                        assert.ok(search.probes.length <= 2 * Math.ceil(Math.log2(count + 1)) + 1, `${search.probes.length} probes`);
                    }
                }
            }
        });

        it("needs two probes when the start is right", () => {
            const search = probeFrom(7);
            assert.equal(searchCleanCandidate(30, 7, search.isClean), 7);
            assert.deepEqual(search.probes, [7, 6]);
            assert.equal(searchCleanCandidate(0, 0, () => true), 0);
        });
    });

    it("searches the cut by halving: parses grow with the logarithm of the candidates", () => {
        const words = Array.from({ length: 40 }, (_, index) => `w${index}`).join(" + ");
        const insertText = `${words})`;
        const candidates = cutBackCandidates(insertText).length;
        assert.ok(candidates >= 40, `${candidates} candidates`);
        const verdict = guardSuggestion({ before: "x = ", insertText, after: "\n" }, parenProblems);
        assert.equal(verdict.action, "cut");
        assert.equal(verdict.text, words);
        assert.ok(verdict.parses <= 2 + Math.ceil(Math.log2(candidates + 1)), `${verdict.parses} parses for ${candidates} candidates`);
    });

    it("drops a suggestion when no prefix is clean", () => {
        const verdict = guardSuggestion({ before: "x = ", insertText: ")", after: "" }, parenProblems);
        assert.equal(verdict.action, "dropped");
        assert.equal(verdict.text, "");
    });

    it("offers line prefixes first, longest first, then word ends of the first line", () => {
        assert.deepEqual(cutBackCandidates("ab cd\nef\ngh"), ["ab cd\nef", "ab cd", "ab"]);
        assert.deepEqual(cutBackCandidates("g(a) + b"), ["g(a)", "g"]);
        assert.deepEqual(cutBackCandidates("a, b c"), ["a, b", "a,", "a"], "after a comma too");
    });

    it("offers no prefix that leaves a bracket of its own open", () => {
        assert.deepEqual(cutBackCandidates("f(1))"), ["f(1)", "f"]);
        assert.deepEqual(cutBackCandidates("a = [1,\n  2]\nb"), ["a = [1,\n  2]", "a"]);
    });

    describe("leavesBracketOpen", () => {
        it("finds brackets the text opens and does not close", () => {
            assert.equal(leavesBracketOpen("f(1"), true);
            assert.equal(leavesBracketOpen("x[0] + g({"), true);
            assert.equal(leavesBracketOpen("a = [1,\n  2"), true);
        });

        it("accepts closed brackets, closers of the user's brackets, and brackets in strings or comments", () => {
            assert.equal(leavesBracketOpen("f(1)"), false);
            assert.equal(leavesBracketOpen("x))"), false);
            assert.equal(leavesBracketOpen("print(\"(\")"), false);
            assert.equal(leavesBracketOpen("x = 1  # (see above"), false);
            assert.equal(leavesBracketOpen("s = \"\"\"(\n\"\"\" + f(x)"), false, "a triple-quoted string across lines");
        });
    });

    describe("addsProblems", () => {
        const place = insertionPlace("x = f(a, ", 3); // insertion at 9..12, last token before the cursor ends at 8
        const error = (start: number, end: number): ParseProblem => ({ kind: "error", start, end });
        const missing = (at: number): ParseProblem => ({ kind: "missing", start: at, end: at });

        it("counts nothing added when the error open at the cursor stays open or a missing token moves after the suggestion", () => {
            assert.equal(addsProblems([error(4, 9)], [error(4, 12)], place), false);
            assert.equal(addsProblems([missing(9)], [missing(12)], place), false);
            assert.equal(addsProblems([error(0, 1), missing(9)], [error(0, 1)], place), false);
        });

        it("blames the suggestion for any problem starting inside it", () => {
            assert.equal(addsProblems([error(4, 9)], [error(4, 13), { kind: "strayCloser", start: 11, end: 12 }], place), true);
            assert.equal(addsProblems([], [missing(10)], place), true);
        });

        it("counts new problems at or after the cursor and new settled ones", () => {
            assert.equal(addsProblems([], [error(13, 15)], place), true);
            assert.equal(addsProblems([error(4, 9)], [error(4, 12), error(13, 15)], place), true);
            assert.equal(addsProblems([], [error(0, 3)], place), true);
        });
    });

    describe("enclosingBlockSource (the region the guard parses)", () => {
        const classSource = [
            "import os", "", "class Shape:", "    \"\"\"A shape.\"\"\"", "", "    @property", "    def area(self):", "        if self.w:",
            "            return self.w * self.h", "        return 0", "", "    def grow(self, by):", "        self.w += by", "",
            "def main():", "    pass",
        ].join("\n");

        it("takes the innermost def with its decorators, not the whole class, and a few lines after it", () => {
            const region = enclosingBlockSource(createTextSnapshot(classSource), { line: 8, character: 12 });
            assert.equal(region.startLine, 5);
            assert.equal(region.before, "    @property\n    def area(self):\n        if self.w:\n            ");
            // The def ends at `def grow`; three non-blank lines after it stay (an unclosed bracket would swallow them).
            assert.equal(region.endLine, 15);
            assert.equal(region.after, "return self.w * self.h\n        return 0\n\n    def grow(self, by):\n        self.w += by\n\ndef main():");
        });

        it("starts at the def header the cursor is in, and keeps the auto-closed bracket after it", () => {
            const document = createTextSnapshot("class A:\n    def __init__(self,)\n        pass\n\n    def b(self):\n        pass\n\n\n\nclass B:\n    pass\nx = 1\n");
            const region = enclosingBlockSource(document, { line: 1, character: 22 });
            assert.equal(region.before, "    def __init__(self,");
            assert.equal(region.after, ")\n        pass\n\n    def b(self):\n        pass\n\n\n\nclass B:");
        });

        it("takes top-level code from the outermost statement above, skipping continuation lines", () => {
            const document = createTextSnapshot("x = 1\ntotal = f(a,\n          b)\nif total:\n    print(total)\n");
            const region = enclosingBlockSource(document, { line: 4, character: 10 });
            assert.equal(region.startLine, 0);
            assert.equal(region.before, "x = 1\ntotal = f(a,\n          b)\nif total:\n    print(");
        });

        it("in the middle of a long table, takes the table's first line and the whole items within reach", () => {
            const items = Array.from({ length: 300 }, (_, index) => `    0x${index.toString(16)}: 'c${index}',`);
            const document = createTextSnapshot(["import os", "", "TABLE = {", ...items, "}", ""].join("\n"));
            const cursorLine = 3 + 200;
            const region = enclosingBlockSource(document, { line: cursorLine, character: 4 });
            assert.equal(region.startLine, 2);
            const beforeLines = region.before.split("\n");
            assert.equal(beforeLines[0], "TABLE = {");
            assert.equal(beforeLines[1], document.lineAt(cursorLine - GUARD_LINES_BEFORE), "from the first item whose line starts after a comma");
            assert.equal(beforeLines.length, 1 + GUARD_LINES_BEFORE + 1, "the table's line, the items, the cursor line");
            assert.equal(region.after.split("\n").length, GUARD_LINES_AFTER + 1);
        });

        it("never starts inside a docstring whose lines look like statements", () => {
            const docstring = ["class Calendar:", "    \"\"\"", "    Subclass of Calendar that outputs a calendar", "    similar to the UNIX program cal.", "    \"\"\""];
            const methods = Array.from({ length: 60 }, (_, index) => (index % 3 === 0 ? `    def m${index}(self):` : `        return ${index}`));
            const document = createTextSnapshot([...docstring, ...methods, "    d"].join("\n"));
            const cursorLine = docstring.length + methods.length;
            const region = enclosingBlockSource(document, { line: cursorLine, character: 5 });
            assert.ok(region.startLine >= docstring.length, `starts at line ${region.startLine}: ${document.lineAt(region.startLine)}`);
            const near = createTextSnapshot([...docstring, "    def m(self):", "        return 1", "    d"].join("\n"));
            assert.equal(enclosingBlockSource(near, { line: 7, character: 5 }).startLine, 0, "the class line above the docstring");
        });

        it("stays within a bounded number of lines in a long function", () => {
            const body = Array.from({ length: 400 }, (_, index) => `    value_${index} = compute(value_${index - 1},\n        ${index})`);
            const document = createTextSnapshot(["def long():", ...body, ""].join("\n"));
            const cursorLine = 401;
            const region = enclosingBlockSource(document, { line: cursorLine, character: 8 });
            assert.ok(region.startLine >= cursorLine - GUARD_LINES_BEFORE, `starts at ${region.startLine}`);
            assert.ok(region.endLine <= cursorLine + 1 + GUARD_LINES_AFTER, `ends at ${region.endLine}`);
            assert.match(document.lineAt(region.startLine), /^ {4}value_\d+ = compute/, "starts at a statement, not inside its bracket");
        });
    });
});

describe("tree-sitter syntax guard", function () {
    this.timeout(20_000);
    let guard: TreeSitterSyntaxGuard;

    before(async () => {
        // The rules, not the time budget, are under test here (the machine may be busy).
        guard = await createTreeSitterSyntaxGuard({ wasmDirectory: locateTreeSitterWasmDirectory(), timeBudgetMs: 10_000 });
    });

    after(() => guard.dispose());

    it("gives up a check when its time budget runs out, and answers the next one", async () => {
        const hurried = await createTreeSitterSyntaxGuard({ wasmDirectory: locateTreeSitterWasmDirectory(), timeBudgetMs: -1 }); // spent before it starts
        try {
            const verdict = hurried.check({ before: "def f(a):\n    return ", insertText: "a +", after: "\n" });
            assert.deepEqual([verdict.action, verdict.outOfTime], ["dropped", true]);
            assert.equal(hurried.parseErrors("def f(a):\n    return a\n"), 0, "outside a check there is no budget");
            // A larger budget for the check (the engine's, from the model time) wins over the guard's own.
            const given = hurried.check({ before: "def f(a):\n    return ", insertText: "a + 1", after: "\n", timeBudgetMs: 10_000 });
            assert.deepEqual([given.action, given.outOfTime], ["kept", undefined]);
        } finally {
            hurried.dispose();
        }
    });

    it("gives a check a tenth of the model time, within 3 and 50 ms", () => {
        assert.equal(guardTimeBudgetMs(0), 3);
        assert.equal(guardTimeBudgetMs(70), 7);
        assert.equal(guardTimeBudgetMs(2_000), 50);
    });

    it("counts no errors in valid Python and some in broken Python", () => {
        assert.equal(guard.parseErrors("def add(a, b):\n    return a + b\n"), 0);
        assert.equal(guard.parseErrors("if x != y:\n    pass\n"), 0);
        assert.ok(guard.parseErrors("x = foo(a, b))\n") > 0);
        assert.ok(guard.parseErrors("def f(:\n") > 0);
    });

    it("reports a skipped closing bracket where it is, besides the error node around it", () => {
        const problems = guard.problemsIn("    x = foo(a, b))\n    return x\n");
        assert.ok(problems?.some((problem) => problem.kind === "strayCloser" && problem.start === 17 && problem.end === 18), JSON.stringify(problems));
    });

    it("parses incrementally from the last tree with the same results as a fresh parse", async () => {
        const sources = [
            "def f(a):\n    return a\n", "def f(a):\n    return a +\n", "def f(a, é):\n    return a + é\n", "x = '😀'\ndef f(a, é):\n    return (a\n",
            "x = '😀'\ndef f(a, é):\n    return (a))\n", "class A:\n    pass\n", "", "print(\"\"\"\nabc\n", "print(\"\"\"\nabc\n\"\"\")\n",
        ];
        const fresh = await createTreeSitterSyntaxGuard({ wasmDirectory: locateTreeSitterWasmDirectory() });
        try {
            for (const source of sources) {
                const incremental = guard.problemsIn(source);
                const alone = await createTreeSitterSyntaxGuard({ wasmDirectory: locateTreeSitterWasmDirectory() });
                assert.deepEqual(incremental, alone.problemsIn(source), JSON.stringify(source));
                alone.dispose();
                assert.deepEqual(fresh.problemsIn(source), incremental);
            }
        } finally {
            fresh.dispose();
        }
    });

    it("describes the edit between two sources by their common start and end, in rows and UTF-16 columns", () => {
        assert.deepEqual(editBetween("ab\ncé\nd", "ab\ncéXY\nd"), {
            startIndex: 5, oldEndIndex: 5, newEndIndex: 7,
            startPosition: { row: 1, column: 2 }, oldEndPosition: { row: 1, column: 2 }, newEndPosition: { row: 1, column: 4 },
        });
        assert.deepEqual(editBetween("a\nb\nc", "a\nc"), {
            startIndex: 2, oldEndIndex: 4, newEndIndex: 2,
            startPosition: { row: 1, column: 0 }, oldEndPosition: { row: 2, column: 0 }, newEndPosition: { row: 1, column: 0 },
        });
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

    it("keeps unfinished text in unfinished code, and cuts what breaks it further", () => {
        const before = "def f(a):\n    x = foo(a, ";
        const after = "\n    return x\n";
        const unfinished = guard.check({ before, insertText: "b", after });
        assert.equal(unfinished.action, "kept");
        assert.equal(unfinished.parses, 2);
        const broken = guard.check({ before, insertText: "b))", after });
        assert.equal(broken.action, "cut");
        assert.equal(broken.text, "b)");
        assert.equal(guard.check({ before: "def f(a):\n    print(a ", insertText: "+ 1", after }).action, "kept", "the missing ) moves after the suggestion");
    });

    it("judges a suggestion in the middle of a long table against the table, not against loose items", () => {
        const items = Array.from({ length: 300 }, (_, index) => `    0x${index.toString(16)}: 'c${index}',`);
        const document = createTextSnapshot(["TABLE = {", ...items, "}", ""].join("\n"));
        const region = enclosingBlockSource(document, { line: 150, character: 4 });
        const kept = guard.check({ before: region.before, insertText: "0x999: 'z',", after: `\n${region.after}` });
        assert.equal(kept.action, "kept");
        const junk = guard.check({ before: region.before, insertText: "0x999: 'z', summary Cole pupp", after: `\n${region.after}` });
        assert.equal(junk.action, "cut");
        assert.equal(junk.text, "0x999: 'z',");
    });

    it("cuts a suggestion that duplicates the auto-closed bracket after `def __init__(self,`", () => {
        const verdict = guard.check({ before: "class A:\n    def __init__(self,", insertText: " h):", after: ")\n        pass\n" });
        assert.equal(verdict.action, "cut");
        assert.equal(verdict.text, " h");
        assert.equal(guard.check({ before: "class A:\n    def __init__(self,", insertText: " h", after: ")\n        pass\n" }).action, "kept");
    });
});

describe("syntax guard: an unfinished statement's problem that grows backwards", () => {
    const place = { insertStart: 100, insertEnd: 113, cursorReach: 99 };
    const unfinishedIf: ParseProblem = { kind: "error", start: 97, end: 99 };

    it("counts as added when the suggestion turns settled code before the statement into the error", () => {
        assert.equal(addsProblems([unfinishedIf], [{ kind: "error", start: 10, end: 113 }], place), true);
    });

    it("does not when the problem still starts where the unfinished statement does", () => {
        assert.equal(addsProblems([unfinishedIf], [{ kind: "error", start: 97, end: 113 }], place), false);
    });

    it("rejects `if ` + `mapping = _get` in a real block (tree-sitter), keeps `if ` + `ips:`", async () => {
        const guard = await createTreeSitterSyntaxGuard({ wasmDirectory: locateTreeSitterWasmDirectory(), timeBudgetMs: 10_000 });
        try {
            const before = "def f(nets, ips):\n    addrs = []\n    for ip in nets:\n        addrs.append(ip)\n    ips = sorted(set(ips))\n\n    # summarize\n    if ";
            const after = "\n        for first in ips:\n            addrs.extend(first)\n\n    return addrs\n";
            assert.equal(guard.check({ before, insertText: "apping = _get", after }).text, "");
            assert.equal(guard.check({ before, insertText: "ips:", after }).text, "ips:");
        } finally {
            guard.dispose();
        }
    });
});
