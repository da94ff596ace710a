import * as assert from "node:assert/strict";
import { computePrefixWindow } from "../../../src/core/completion/contextWindow";
import { detectFileHeaderEnd } from "../../../src/core/completion/fileHeader";
import { buildPhi2Prompt, omittedCursorIndentation } from "../../../src/core/completion/phi2Prompt";
import { createTextSnapshot } from "../../../src/core/python/textSnapshot";
import { estimateLineTokens } from "../../../src/core/tokenEstimate";
import type { DocumentSnapshot } from "../../../src/core/types";

const HEADER = ['"""Module docstring."""', "import os", "from typing import (", "    List,", "    Dict,", ")", ""];

function longFile(functions: number): string {
    const body: string[] = [...HEADER];
    for (let i = 0; i < functions; i++) body.push(`def function_${i}(a, b):`, `    """Return a combination number ${i}."""`, `    return a * ${i} + b`, "");
    return body.join("\n");
}

/** Counts lineAt calls, to prove the window reads only the lines it needs. */
function countingSnapshot(text: string): { document: DocumentSnapshot; reads: () => number } {
    const inner = createTextSnapshot(text);
    let reads = 0;
    const document: DocumentSnapshot = {
        uri: inner.uri, languageId: inner.languageId, version: inner.version, lineCount: inner.lineCount, eol: inner.eol, indent: inner.indent,
        lineAt: (line) => {
            reads++;
            return inner.lineAt(line);
        },
    };
    return { document, reads: () => reads };
}

const options = { budgetTokens: 300, stepLines: 16, headerShare: 0.25 };

describe("file header", () => {
    it("spans comments, the module docstring and imports (with parenthesised continuation)", () => {
        const document = createTextSnapshot(["#!/usr/bin/env python3", "# comment", ...HEADER, "x = 1", "import late"].join("\n"));
        assert.equal(detectFileHeaderEnd(document), 8); // up to the closing ")" line
    });

    it("is empty for a file that starts with code, and stops at the first statement", () => {
        assert.equal(detectFileHeaderEnd(createTextSnapshot("x = 1\nimport os\n")), 0);
        assert.equal(detectFileHeaderEnd(createTextSnapshot("import os\ndef f():\n    import sys\n")), 1);
    });

    it("keeps a multi-line docstring only as the first statement", () => {
        assert.equal(detectFileHeaderEnd(createTextSnapshot('"""Doc\n\nmore."""\nimport os\nprint(1)')), 4);
        assert.equal(detectFileHeaderEnd(createTextSnapshot('import os\n"""not a docstring"""\n')), 1);
    });
});

describe("prefix window", () => {
    it("takes the whole prefix of a small file, ending exactly at the cursor", () => {
        const text = "import os\n\ndef f(x):\n    return x";
        const document = createTextSnapshot(text);
        const window = computePrefixWindow(document, { line: 3, character: 10 }, options);
        assert.equal(window.startLine, 0);
        assert.equal(window.headerEndLine, 0);
        assert.equal(buildPhi2Prompt(document, window), "import os\n\ndef f(x):\n    return");
    });

    it("leaves indentation alone before the cursor out of the prompt (the model writes it)", () => {
        const document = createTextSnapshot("def f(x):\n        ");
        const window = computePrefixWindow(document, { line: 1, character: 4 }, options);
        assert.equal(buildPhi2Prompt(document, window), "def f(x):\n");
        assert.equal(omittedCursorIndentation("    "), "    ");
        assert.equal(omittedCursorIndentation("    x"), "");
        assert.equal(omittedCursorIndentation(""), "");
    });

    it("keeps the header and starts the body on a step boundary in a long file, within budget", () => {
        const document = createTextSnapshot(longFile(200));
        const cursor = { line: 500, character: 10 };
        const window = computePrefixWindow(document, cursor, options);
        assert.equal(window.headerEndLine, 6);
        assert.equal(window.startLine % options.stepLines, 0);
        assert.ok(window.startLine > 400 && window.startLine < 500, `start ${window.startLine}`);
        assert.ok(window.estimatedTokens <= options.budgetTokens);
        const prompt = buildPhi2Prompt(document, window);
        assert.ok(prompt.startsWith(HEADER.slice(0, 6).join("\n") + "\n" + document.lineAt(window.startLine)));
        assert.ok(prompt.endsWith("\n" + document.lineAt(500).slice(0, 10)));
        let tokens = 0;
        for (const line of prompt.split("\n")) tokens += estimateLineTokens(line);
        assert.ok(tokens <= options.budgetTokens + 1, `prompt estimate ${tokens}`);
    });

    it("keeps the prompt start identical while the user types, moving only in whole steps", () => {
        const lines = longFile(200).split("\n");
        const starts = new Set<number>();
        let previousPrompt: string | undefined;
        let startChanges = 0;
        // Type 40 lines of code character by character at line 300.
        for (let typedLines = 0; typedLines < 40; typedLines++) {
            const typed = `    value_${typedLines} = compute(value_${typedLines - 1}, ${typedLines})`;
            for (let length = 1; length <= typed.length; length += 3) {
                const current = [...lines.slice(0, 300 + typedLines), typed.slice(0, length), ...lines.slice(300)];
                const document = createTextSnapshot(current.join("\n"));
                const window = computePrefixWindow(document, { line: 300 + typedLines, character: length }, options);
                starts.add(window.startLine);
                const prompt = buildPhi2Prompt(document, window);
                if (previousPrompt !== undefined && !prompt.startsWith(previousPrompt.slice(0, 200))) startChanges++;
                previousPrompt = prompt;
            }
        }
        for (const start of starts) assert.equal(start % options.stepLines, 0);
        // ~40 lines typed with 16-line steps: the start moved at most 3 times in ~500 keystrokes.
        assert.ok(startChanges <= 3, `start changed ${startChanges} times`);
        assert.ok(starts.size >= 2, "the window did move down");
    });

    it("reads only about a budget's worth of lines from a 10,000-line file", () => {
        const { document, reads } = countingSnapshot(longFile(2500));
        assert.ok(document.lineCount > 10_000);
        const window = computePrefixWindow(document, { line: 9_000, character: 0 }, { budgetTokens: 1024, stepLines: 32, headerShare: 0.25 });
        buildPhi2Prompt(document, window);
        assert.ok(reads() < 600, `read ${reads()} lines`);
    });

    it("trims a header bigger than its share of the budget", () => {
        const imports = Array.from({ length: 100 }, (_, i) => `import package_with_a_long_name_${i}`);
        const body = Array.from({ length: 300 }, (_, i) => `x_${i} = ${i}`);
        const document = createTextSnapshot([...imports, ...body].join("\n"));
        const window = computePrefixWindow(document, { line: 399, character: 0 }, options);
        assert.ok(window.headerEndLine > 0 && window.headerEndLine < 100, `header ${window.headerEndLine}`);
        assert.ok(window.estimatedTokens <= options.budgetTokens);
    });

    it("keeps only the end of a single line longer than the budget", () => {
        const document = createTextSnapshot("x = [" + "1, ".repeat(2000));
        const window = computePrefixWindow(document, { line: 0, character: 6005 }, options);
        assert.ok(window.textBeforeCursor.length <= options.budgetTokens * 3);
        assert.ok(window.textBeforeCursor.endsWith("1, "));
    });
});
