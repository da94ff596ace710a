import * as assert from "node:assert/strict";
import {
    StreamingStopRules,
    echoesNextDocumentLine,
    isMarkdownFence,
    isPreamble,
    leavesBlock,
    repeatedRunStart,
    repeatsPreviousLines,
    startsTopLevelDefinition,
} from "../../../src/core/completion/stopRules";
import type { StopRuleContext } from "../../../src/core/completion/stopRules";

const multiLine: StopRuleContext = { mode: "multiLine", blockIndent: 4, tabSize: 4 };
const singleLine: StopRuleContext = { mode: "singleLine", blockIndent: 4, tabSize: 4 };

/** Streams `chunks` through the rules like the engine does; returns the kept text and the rule. */
function stream(context: StopRuleContext, chunks: readonly string[]): { text: string; rule: string | undefined; chunksUsed: number } {
    const rules = new StreamingStopRules(context);
    let chunksUsed = 0;
    for (const chunk of chunks) {
        chunksUsed++;
        if (!rules.push(chunk)) break;
    }
    rules.finish();
    return { text: rules.text, rule: rules.cut?.rule, chunksUsed };
}

describe("stop rules: single line functions", () => {
    it("leavesBlock cuts a dedented line, keeps deeper, equal and blank lines", () => {
        assert.equal(leavesBlock("x = 1", 4, 4), true);
        assert.equal(leavesBlock("  x = 1", 4, 4), true);
        assert.equal(leavesBlock("    x = 1", 4, 4), false);
        assert.equal(leavesBlock("        x = 1", 4, 4), false);
        assert.equal(leavesBlock("\tx = 1", 4, 4), false);
        assert.equal(leavesBlock("", 4, 4), false);
        assert.equal(leavesBlock("   ", 4, 4), false);
    });

    it("startsTopLevelDefinition cuts def/class/async def/decorators at column 0 only", () => {
        for (const line of ["def f():", "class A:", "async def g():", "@property"]) assert.equal(startsTopLevelDefinition(line), true, line);
        for (const line of ["    def f():", "define = 1", "classes = []", "x = a @ b", "# def f():"]) assert.equal(startsTopLevelDefinition(line), false, line);
    });

    it("isPreamble cuts Phi-2's Instruct/Exercise blocks, keeps code that merely looks similar", () => {
        for (const line of ["Instruct: write a function", "Exercise 2:", "Exercise:", "## Exercise", "# Exercise 3.", "Exercises"]) {
            assert.equal(isPreamble(line), true, line);
        }
        for (const line of ["exercise = load()", "Exercise = namedtuple('Exercise', 'a')", "instruct(x)", "print('Exercise 1:')", "Instructions = []"]) {
            assert.equal(isPreamble(line), false, line);
        }
    });

    it("isMarkdownFence cuts ``` lines, keeps strings with backticks", () => {
        assert.equal(isMarkdownFence("```"), true);
        assert.equal(isMarkdownFence("```python"), true);
        assert.equal(isMarkdownFence("  ```"), true);
        assert.equal(isMarkdownFence("x = '```'"), false);
    });

    it("repeatsPreviousLines cuts period-1 and period-2 loops, keeps distinct and separated repeats", () => {
        assert.equal(repeatsPreviousLines("    x += 1", ["x += 1"]), "one");
        assert.equal(repeatsPreviousLines("b()", ["a()", "b()", "a()"]), "two");
        assert.equal(repeatsPreviousLines("return x", ["if a:", "return x", "else:"]), undefined);
        assert.equal(repeatsPreviousLines("y = 2", ["x = 1"]), undefined);
        assert.equal(repeatsPreviousLines("", [""]), undefined);
    });

    it("echoesNextDocumentLine cuts a copy of the next line, keeps anything else", () => {
        assert.equal(echoesNextDocumentLine("    return a + b", "    return a + b"), true);
        assert.equal(echoesNextDocumentLine("return a + b", "        return a + b"), true);
        assert.equal(echoesNextDocumentLine("return a - b", "return a + b"), false);
        assert.equal(echoesNextDocumentLine("", ""), false);
        assert.equal(echoesNextDocumentLine("x", undefined), false);
    });
});

describe("StreamingStopRules", () => {
    it("stops at <|endoftext|>, even split across chunks, and keeps the text before it", () => {
        const result = stream(multiLine, ["return a", " + b<|endo", "ftext|>def other():"]);
        assert.deepEqual(result, { text: "return a + b", rule: "endOfText", chunksUsed: 3 });
    });

    it("single-line mode stops at the first newline and returns only the line", () => {
        const result = stream(singleLine, ["a + b", "\n    print(a)", "\n"]);
        assert.equal(result.text, "a + b");
        assert.equal(result.rule, "singleLineEnd");
        assert.equal(result.chunksUsed, 2);
    });

    it("single-line mode keeps a line without newline whole", () => {
        assert.deepEqual(stream(singleLine, ["a + b)"]), { text: "a + b)", rule: undefined, chunksUsed: 1 });
    });

    it("multi-line mode stops at a dedent below the block and keeps the block", () => {
        const result = stream(multiLine, ["total = 0\n", "    for x in xs:\n", "        total += x\n", "    return total\n", "print(total)\n"]);
        assert.equal(result.text, "total = 0\n    for x in xs:\n        total += x\n    return total");
        assert.equal(result.rule, "dedent");
    });

    it("does not treat docstring text at column 0 as a dedent", () => {
        const result = stream({ ...multiLine, openStringQuote: '"""' }, ["Add two numbers.\n", "\n", "Returns the sum.\n", "    \"\"\"\n", "    return a + b\n", "x = 1\n"]);
        assert.equal(result.text, "Add two numbers.\n\nReturns the sum.\n    \"\"\"\n    return a + b");
        assert.equal(result.rule, "dedent");
    });

    it("at top level stops at the next def/class but keeps a def on the first line", () => {
        const context: StopRuleContext = { mode: "multiLine", blockIndent: 0, tabSize: 4 };
        const result = stream(context, ["def add(a, b):\n", "    return a + b\n", "def sub(a, b):\n", "    return a - b\n"]);
        assert.equal(result.text, "def add(a, b):\n    return a + b");
        assert.equal(result.rule, "topLevelDefinition");
    });

    it("stops at two blank lines, keeps a single blank line inside the body", () => {
        const kept = stream(multiLine, ["a = 1\n", "\n", "    b = 2\n"]);
        assert.equal(kept.rule, undefined);
        assert.equal(kept.text, "a = 1\n\n    b = 2\n");
        const cut = stream(multiLine, ["a = 1\n", "\n", "\n", "    b = 2\n"]);
        assert.equal(cut.rule, "blankLines");
        assert.equal(cut.text, "a = 1");
    });

    it("stops at an Exercise preamble and at a markdown fence", () => {
        assert.deepEqual(stream(multiLine, ["return 1\n", "Exercise 2:\n", "Write..."]).text, "return 1");
        const fence = stream(multiLine, ["return 1\n", "```\n", "This function"]);
        assert.equal(fence.text, "return 1");
        assert.equal(fence.rule, "markdownFence");
    });

    it("stops at a repeated line and keeps the first copy", () => {
        const result = stream(multiLine, ["    x += 1\n", "    x += 1\n", "    x += 1\n"]);
        assert.equal(result.text, "    x += 1");
        assert.equal(result.rule, "repeatedLine");
    });

    it("stops when the model starts re-typing the line after the cursor", () => {
        const context: StopRuleContext = { ...multiLine, nextDocumentLine: "    return result" };
        const result = stream(context, ["result = a * b\n", "    return result\n"]);
        assert.equal(result.text, "result = a * b");
        assert.equal(result.rule, "suffixEcho");
    });

    it("checks the unterminated last line when the stream ends", () => {
        const rules = new StreamingStopRules(multiLine);
        assert.equal(rules.push("return 1\nExercise 3:"), true);
        rules.finish();
        assert.equal(rules.text, "return 1");
        assert.equal(rules.cut?.rule, "preamble");
        assert.equal(rules.cut?.removed, "\nExercise 3:");
    });

    it("refuses further chunks once stopped", () => {
        const rules = new StreamingStopRules(singleLine);
        assert.equal(rules.push("x\n"), false);
        assert.equal(rules.push("more"), false);
        assert.equal(rules.text, "x");
    });
});

describe("stop rules: the minimal set (quality benchmark variant)", () => {
    const minimal: StopRuleContext = { ...multiLine, contentRules: false };

    it("keeps lines the content rules would cut: dedent, top-level def, blank run, preamble", () => {
        const text = "x = 1\nreturn x\n\n\ndef other():\nInstruct: more\n";
        assert.deepEqual(stream(minimal, [text]), { text, rule: undefined, chunksUsed: 1 });
        assert.equal(stream(multiLine, [text]).rule, "dedent");
    });

    it("still stops at the end of text and at the end of a single line", () => {
        assert.deepEqual(stream(minimal, ["a = 1\n<|endoftext|>junk"]).rule, "endOfText");
        assert.deepEqual(stream({ ...singleLine, contentRules: false }, ["a = 1\nb = 2"]), { text: "a = 1", rule: "singleLineEnd", chunksUsed: 1 });
    });
});

describe("stop rules: a loop inside one line", () => {
    it("finds a short unit repeated five times or more", () => {
        assert.equal(repeatedRunStart("ips_c_c_c_c_c_c"), 3);
        assert.equal(repeatedRunStart("__all__all____init______________"), 18);
        assert.equal(repeatedRunStart("#  #  #  #  #  #"), 0);
        assert.equal(repeatedRunStart("x = abababababab"), 4);
    });

    it("leaves rulers, numbers, whitespace and ordinary code alone", () => {
        for (const line of ["# ----------------", '"""=========="""', "mask = 0xFFFFFFFF", "n = 1000000", "x = [0, 0, 0, 0]", "        return self._cache", "a_b_c_d = 1", "print('-' * 40)"]) {
            assert.equal(repeatedRunStart(line), -1, line);
        }
    });

    it("cuts the suggestion where the loop starts, or drops a line that is all loop", () => {
        assert.deepEqual(stream(singleLine, ["_args__all__all____init____________"]), { text: "_args__all__all____init", rule: "repeatedInLine", chunksUsed: 1 });
        assert.deepEqual(stream(multiLine, ["x = 1\n    #  #  #  #  #  #\n"]), { text: "x = 1", rule: "repeatedInLine", chunksUsed: 1 });
    });
});
