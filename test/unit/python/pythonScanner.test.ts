import assert from "node:assert/strict";
import { scanBrackets } from "../../../src/core/python/brackets";
import { scanPython, tripleQuoteOpenAfter, withoutComment } from "../../../src/core/python/pythonScanner";
import { linesStartingInsideString, linesStartingInsideStringAbove, statementEndLine } from "../../../src/core/python/statementLines";
import { createTextSnapshot } from "../../../src/core/python/textSnapshot";

/** The characters the scanner reports as code, in order. */
function codeOf(text: string, quoteAtStart?: "'" | '"' | "'''" | '"""'): string {
    let code = "";
    scanPython(text, { code: (char) => void (code += char) }, quoteAtStart);
    return code;
}

describe("the Python scanner", () => {
    it("tells code from one-quote strings, with escaped quotes", () => {
        assert.equal(codeOf(`a = "x(" + 'y]' + b`), "a =  +  + b");
        assert.equal(codeOf(`s = "say \\"(\\"" + f(1)`), "s =  + f(1)");
        assert.equal(codeOf(`s = 'it\\'s' [0]`), "s =  [0]");
    });

    it("keeps a backslash escaping the quote in raw strings too (r\"\\\"\" is one string)", () => {
        assert.equal(codeOf(`p = r"\\"" (`), "p = r (");
        assert.equal(scanPython(`p = r"\\" (`).openQuote, '"');
    });

    it("reads triple-quoted strings across lines, and the other quote inside them as text", () => {
        assert.equal(codeOf(`x = """a "b" 'c' (\n]) """ + [1]`), "x =  + [1]");
        assert.equal(codeOf(`x = '''don't "(" '''`), "x = ");
        assert.equal(scanPython(`d = """open\nstill (`).openQuote, '"""');
    });

    it("scans f-strings as strings: brackets and other quotes in their fields are text", () => {
        assert.equal(codeOf(`m = f"{x['k']} ({y})" + z`), "m = f + z");
        assert.equal(codeOf(`m = rf'''{a["(" ]}\n''' [`), "m = rf [");
        assert.deepEqual(scanBrackets(`print(f"{value!r:>{width}}"`).unclosed, [")"]);
    });

    it("ends comments at the line end, and a quote in a comment opens nothing", () => {
        assert.equal(codeOf(`x = 1  # don't (\ny = [`), "x = 1  \ny = [");
        const end = scanPython("z = 2  # it's");
        assert.equal(end.openQuote, undefined);
        assert.equal(end.inComment, true);
        assert.equal(withoutComment(`url = "http://x#y"  # the "home" page`), `url = "http://x#y"  `);
    });

    it("ends an unterminated one-quote string at its line end, unless a backslash continues it", () => {
        assert.equal(codeOf(`s = "abc\n(`), "s = \n(");
        assert.equal(codeOf(`s = "abc\\\n(" + t`), "s =  + t");
    });

    it("starts inside a string when told to, and reports where that foreign string closes", () => {
        const closed: [number, boolean][] = [];
        scanPython(`rest of doc""" + f("x")`, { stringClosed: (index, openedBefore) => void closed.push([index, openedBefore]) }, '"""');
        assert.deepEqual(closed, [[11, true], [21, false]]);
        assert.equal(scanBrackets(`doc""" + (`, '"""').firstForeignCloser, 3);
    });

    it("stops where the visitor says so", () => {
        const end = scanPython("abc(def", { code: (char) => char !== "(" });
        assert.equal(end.end, 3);
    });
});

describe("the scanner's line structure", () => {
    it("marks the lines that start inside a triple-quoted string", () => {
        const document = createTextSnapshot(['def f():', '    """Doc (', '    x = 1', '    """', "    s = '\"\"\"'  # not a docstring", '    y = 2'].join("\n"));
        assert.deepEqual(linesStartingInsideString(document), [false, false, true, true, false, false]);
        assert.equal(tripleQuoteOpenAfter("# '''", undefined), undefined);
    });

    it("above a place in code, starts inside a docstring begun further up when that leaves the place in code", () => {
        const document = createTextSnapshot(['def f():', '    """Doc', '    return 1 (looks like code', '    """', '    x = 1', '    y'].join("\n"));
        // Scanned from line 2 only: the closing quote on line 3 must close, not open, a string.
        assert.deepEqual(linesStartingInsideStringAbove(document, 2, 5, "    y").slice(2), [true, true, false]);
        assert.deepEqual(linesStartingInsideStringAbove(document, 0, 5, "    y").slice(0, 5), [false, false, true, true, false]);
    });

    it("finds the last line of statements that span lines", () => {
        const document = createTextSnapshot(['from x import (a,  # )', '    b)', 'y = f("(",', '      2)', 'z = 1 + \\', '    2', '"""doc', 'more"""', 'w = 1  # ends \\'].join("\n"));
        assert.equal(statementEndLine(document, 0, document.lineCount), 1);
        assert.equal(statementEndLine(document, 2, document.lineCount), 3);
        assert.equal(statementEndLine(document, 4, document.lineCount), 5);
        assert.equal(statementEndLine(document, 6, document.lineCount), 7);
        assert.equal(statementEndLine(document, 8, document.lineCount), 8, "a backslash in a comment continues nothing");
        assert.equal(statementEndLine(document, 0, 1), -1);
    });
});
