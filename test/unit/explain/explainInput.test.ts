import assert from "node:assert/strict";
import { selectExplainSource, dedentLines, CURSOR_WINDOW_RADIUS } from "../../../src/core/explain/explainInput";
import { findEnclosingBlock } from "../../../src/core/python/blocks";
import { lineOf, pythonDocument } from "./textDocument";

const SHAPES = [
    "import math",
    "",
    "SCALE = 2",
    "",
    "class Circle:",
    '    """A circle.',
    "",
    "has a radius",
    '    """',
    "",
    "    def __init__(self, radius):",
    "        self.radius = radius",
    "",
    "    @property",
    "    @cached",
    "    def area(self):",
    "        # the usual formula",
    "        return math.pi * self.radius ** 2",
    "",
    "    def scaled(",
    "        self,",
    "        factor,",
    "    ):",
    "        return Circle(self.radius * factor)",
    "",
    "",
    "async def fetch(url):",
    "    data = await get(url)",
    "    return data",
    "",
    "values = [",
    "    1,",
    "    2,",
    "]",
    "print(values)",
].join("\n");

const at = (marker: string, character = 0) => ({ line: lineOf(SHAPES, marker), character });

describe("explain input selection", () => {
    const document = pythonDocument(SHAPES);

    describe("selection", () => {
        it("uses the selected text, dedented, with its lines", () => {
            const source = selectExplainSource(document, at("self.radius = radius"), { start: at("def __init__"), end: at("self.radius = radius", 29) });
            assert.deepEqual(source, {
                kind: "selection",
                startLine: at("def __init__").line,
                endLine: at("self.radius = radius").line,
                code: "def __init__(self, radius):\n    self.radius = radius",
            });
        });

        it("does not count the next line when a whole-line selection ends at column 0", () => {
            const source = selectExplainSource(document, at("def area"), { start: at("def area"), end: at("# the usual") });
            assert.equal(source?.code, "def area(self):");
            assert.equal(source?.endLine, at("def area").line);
        });

        it("keeps a selection that starts mid-line as it is", () => {
            const line = "        return math.pi * self.radius ** 2";
            const start = line.indexOf("math.pi");
            const source = selectExplainSource(document, at("return math.pi"), { start: at("return math.pi", start), end: at("return math.pi", line.length) });
            assert.equal(source?.code, "math.pi * self.radius ** 2");
        });

        it("treats an empty or blank selection as none", () => {
            assert.equal(selectExplainSource(document, at("return data"), { start: at("return data", 4), end: at("return data", 4) })?.kind, "function");
            const blank = { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } };
            assert.equal(selectExplainSource(document, at("return data"), blank)?.name, "fetch");
        });
    });

    describe("enclosing function or class", () => {
        it("finds the innermost function, with its decorators", () => {
            const source = selectExplainSource(document, at("return math.pi"));
            assert.equal(source?.kind, "function");
            assert.equal(source?.name, "area");
            assert.equal(source?.startLine, at("@property").line);
            assert.equal(source?.endLine, at("return math.pi").line);
            assert.equal(source?.code, "@property\n@cached\ndef area(self):\n    # the usual formula\n    return math.pi * self.radius ** 2");
        });

        it("on a decorator line, takes the decorated function", () => {
            assert.equal(findEnclosingBlock(document, at("@cached").line)?.name, "area");
        });

        it("reads a signature over several lines, closing bracket at the def's indentation", () => {
            const block = findEnclosingBlock(document, at("factor,").line);
            assert.equal(block?.name, "scaled");
            assert.equal(block?.endLine, at("return Circle(").line);
        });

        it("finds the class from its docstring, whose text at column 0 does not end the class", () => {
            const block = findEnclosingBlock(document, at("has a radius").line);
            assert.equal(block?.kind, "class");
            assert.equal(block?.name, "Circle");
            assert.equal(block?.endLine, at("return Circle(").line);
        });

        it("on a blank line inside a class, takes the function above", () => {
            assert.equal(findEnclosingBlock(document, at("def area").line - 3)?.name, "__init__");
        });

        it("recognises async functions", () => {
            assert.deepEqual(findEnclosingBlock(document, at("await get").line), {
                kind: "function",
                name: "fetch",
                startLine: at("async def").line,
                headerLine: at("async def").line,
                endLine: at("return data").line,
            });
        });

        it("is undefined at module level, also inside a multi-line expression after a function", () => {
            assert.equal(findEnclosingBlock(document, at("SCALE").line), undefined);
            assert.equal(findEnclosingBlock(document, at("    1,").line), undefined);
        });
    });

    describe("fallback window", () => {
        it("takes lines around the cursor at module level, without blank edges", () => {
            const source = selectExplainSource(document, at("    2,"));
            assert.equal(source?.kind, "window");
            assert.equal(source?.endLine, at("print(values)").line);
            assert.equal(source?.startLine, at("    2,").line - CURSOR_WINDOW_RADIUS);
        });

        it("drops blank lines at the window's edges", () => {
            // Line 1 is blank and exactly CURSOR_WINDOW_RADIUS above the cursor; the last lines are blank.
            const body = Array.from({ length: CURSOR_WINDOW_RADIUS + 1 }, (_, i) => `b${i} = ${i}`);
            const document = pythonDocument(["a = 0", "", ...body, "", ""].join("\n"));
            const source = selectExplainSource(document, { line: 1 + CURSOR_WINDOW_RADIUS, character: 0 });
            assert.equal(source?.kind, "window");
            assert.equal(source?.startLine, 2);
            assert.equal(source?.endLine, 1 + body.length);
            assert.equal(source?.code, body.join("\n"));
        });

        it("is undefined for a blank document", () => {
            assert.equal(selectExplainSource(pythonDocument("\n\n   \n"), { line: 1, character: 0 }), undefined);
        });
    });

    it("dedents by the common whitespace prefix, leaving blank lines empty", () => {
        assert.deepEqual(dedentLines(["    a", "      b", "  ", "    c"]), ["a", "  b", "", "c"]);
        assert.deepEqual(dedentLines(["\tx", "  y"]), ["\tx", "  y"]);
    });
});
