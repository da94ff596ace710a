import { CHARACTERS_PER_TOKEN, estimateTextTokens } from "../../../src/core/tokenEstimate";
import assert from "node:assert/strict";
import {
    buildExplainJob,
    EXPLAIN_INSTRUCTION,
    fileNameOf,
    formatExplainPrompt,
    MIN_CODE_TOKENS,
    trimToTokenBudget,
} from "../../../src/core/explain/explainPrompt";
import { relevantImports } from "../../../src/core/explain/importContext";
import { parseImportStatement } from "../../../src/core/python/imports";
import { lineOf, pythonDocument } from "./textDocument";

const MODULE = [
    "from __future__ import annotations",
    "import os, sys",
    "import numpy as np",
    "import os.path",
    "from collections import (",
    "    Counter,  # counting",
    "    OrderedDict,",
    ")",
    "from .models import *",
    "from typing import List as L",
    "",
    "def histogram(words: L[str]) -> dict:",
    "    counts = Counter(words)",
    "    return {w: np.log(c) for w, c in counts.items()}",
    "",
    "def unrelated():",
    "    return sys.argv",
].join("\n");

const SETTINGS = { maxTokens: 512, contextTokens: 2048 };

describe("explain prompt", () => {
    it("is Phi-2's QA format with the code in a fenced python block", () => {
        const document = pythonDocument("def add(a, b):\n    return a + b\n", "file:///tmp/My%20Math.py");
        const job = buildExplainJob(document, { line: 1, character: 4 }, undefined, SETTINGS);
        assert.equal(job?.prompt, `Instruct: ${EXPLAIN_INSTRUCTION}\n\`\`\`python\ndef add(a, b):\n    return a + b\n\`\`\`\nOutput:`);
        assert.equal(job?.fileName, "My Math.py");
        assert.equal(job?.maxTokens, 512);
        assert.equal(job?.trimmed, undefined);
    });

    it("puts the imports the code uses before it, reduced to the names it uses", () => {
        const document = pythonDocument(MODULE);
        const job = buildExplainJob(document, { line: lineOf(MODULE, "counts = Counter"), character: 0 }, undefined, SETTINGS);
        assert.deepEqual(job?.imports, ["import numpy as np", "from collections import Counter", "from typing import List as L"]);
        assert.ok(job?.prompt.includes("```python\nimport numpy as np\nfrom collections import Counter\nfrom typing import List as L\n\ndef histogram("));
    });

    it("leaves out unused, star and __future__ imports, and attribute look-alikes", () => {
        const document = pythonDocument(MODULE);
        assert.deepEqual(relevantImports(document, "return sys.argv"), ["import sys"]);
        assert.deepEqual(relevantImports(document, "self.np = 1\nx = Counters"), []);
        assert.deepEqual(relevantImports(document, "os.path.join(a, b)"), ["import os", "import os.path"]);
    });

    it("does not repeat imports that are inside the explained lines", () => {
        const document = pythonDocument(MODULE);
        const selection = { start: { line: 0, character: 0 }, end: { line: lineOf(MODULE, "return {w"), character: 50 } };
        const job = buildExplainJob(document, { line: 0, character: 0 }, selection, SETTINGS);
        assert.deepEqual(job?.imports, []);
    });

    it("parses import statements, refusing what it does not understand", () => {
        assert.deepEqual(parseImportStatement("from . import a as b, c"), {
            fromModule: ".",
            names: [{ bound: "b", clause: "a as b" }, { bound: "c", clause: "c" }],
        });
        assert.equal(parseImportStatement("from x import *"), undefined);
        assert.equal(parseImportStatement("import 3d"), undefined);
    });

    describe("token budget", () => {
        it("estimates conservatively from characters", () => {
            assert.equal(estimateTextTokens("x".repeat(CHARACTERS_PER_TOKEN * 10)), 10);
            assert.equal(estimateTextTokens("ab"), 1);
        });

        it("keeps code that fits untouched", () => {
            assert.deepEqual(trimToTokenBudget("a = 1\nb = 2", 100), { code: "a = 1\nb = 2", keptLines: 2, omittedLines: 0 });
        });

        it("keeps whole lines from the top and counts the rest", () => {
            const code = Array.from({ length: 10 }, (_, i) => `value_${i} = ${i}`).join("\n"); // 12 chars + newline each
            const trimmed = trimToTokenBudget(code, Math.floor((13 * 4) / CHARACTERS_PER_TOKEN));
            assert.equal(trimmed.code, "value_0 = 0\nvalue_1 = 1\nvalue_2 = 2\nvalue_3 = 3");
            assert.equal(trimmed.omittedLines, 6);
        });

        it("cuts a single over-long first line", () => {
            const trimmed = trimToTokenBudget("x".repeat(100) + "\ny", 10);
            assert.equal(trimmed.code.length, 10 * CHARACTERS_PER_TOKEN);
            assert.equal(trimmed.omittedLines, 1);
        });

        it("trims a very large selection to fit context minus the length cap, and says so", () => {
            const lines = Array.from({ length: 2000 }, (_, i) => `    total += compute(${i})`);
            const text = ["def big():", "    total = 0", ...lines, "    return total"].join("\n");
            const document = pythonDocument(text);
            const job = buildExplainJob(document, { line: 5, character: 0 }, undefined, SETTINGS);
            assert.ok(job?.trimmed !== undefined);
            assert.equal(job.source.kind, "function");
            assert.ok(estimateTextTokens(job.prompt) + SETTINGS.maxTokens <= SETTINGS.contextTokens, "prompt + explanation fit the context");
            assert.equal(job.trimmed.shownEndLine - job.source.startLine + 1 + job.trimmed.omittedLines, document.lineCount);
            assert.ok(job.prompt.includes(`# ... (${job.trimmed.omittedLines} more lines not shown)\n\`\`\`\nOutput:`));
        });

        it("keeps a minimum of code even when the length cap takes most of the context", () => {
            const text = Array.from({ length: 500 }, (_, i) => `x${i} = ${i}`).join("\n");
            const job = buildExplainJob(pythonDocument(text), { line: 0, character: 0 }, { start: { line: 0, character: 0 }, end: { line: 499, character: 9 } }, { maxTokens: 2040, contextTokens: 2048 });
            assert.equal(job?.trimmed?.budgetTokens, MIN_CODE_TOKENS);
        });
    });

    it("says more lines follow when trimmed, and nothing otherwise", () => {
        assert.ok(!formatExplainPrompt("x = 1", [], 0).includes("not shown"));
        assert.ok(formatExplainPrompt("x = 1", [], 3).includes("# ... (3 more lines not shown)"));
    });

    it("names the file from its URI", () => {
        assert.equal(fileNameOf("untitled:Untitled-1"), "Untitled-1");
        assert.equal(fileNameOf("file:///a/b/c%C3%A9.py?x#y"), "cé.py");
        assert.equal(fileNameOf("vscode-remote://host/work/a.py"), "a.py");
    });
});
