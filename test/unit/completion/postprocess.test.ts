import * as assert from "node:assert/strict";
import {
    alignToCursorIndentation,
    cutFollowingLinesEcho,
    dropWhitespaceOnly,
    matchDocumentIndentation,
    overlapLength,
    postprocessSuggestion,
    removeDuplicateClosers,
    removeRestOfLineEcho,
    trimTrailingWhitespace,
} from "../../../src/core/completion/postprocess";

describe("post-processing rules", () => {
    describe("alignToCursorIndentation", () => {
        it("removes the indentation the editor already has, after leading blank lines", () => {
            assert.equal(alignToCursorIndentation("    return a + b\n    x = 1", "    "), "return a + b\n    x = 1");
            assert.equal(alignToCursorIndentation("\n  \n    return 1", "    "), "return 1");
            assert.equal(alignToCursorIndentation("\treturn 1", "    "), "return 1", "a tab as wide as the cursor's spaces");
        });

        it("keeps deeper indentation and the text when the prompt kept the cursor text", () => {
            assert.equal(alignToCursorIndentation("        x = 1", "    "), "    x = 1");
            assert.equal(alignToCursorIndentation("  x", ""), "  x");
        });

        it("drops a suggestion that starts in an outer block", () => {
            assert.equal(alignToCursorIndentation("def other():\n    pass", "    "), "");
        });
    });

    describe("cutFollowingLinesEcho", () => {
        const following = ["", "    return total", "", "def other():", "    pass"];

        it("cuts from the line that repeats the next document line", () => {
            assert.equal(cutFollowingLinesEcho("total = sum(xs)\n    return total\n", "    ", following), "total = sum(xs)");
        });

        it("drops a suggestion whose first line repeats the next line when the cursor line is blank", () => {
            assert.equal(cutFollowingLinesEcho("return total", "    ", following), "");
        });

        it("keeps a first line that continues typed text even if it matches", () => {
            assert.equal(cutFollowingLinesEcho("return total", "    x = ", following), "return total");
        });

        it("cuts a long line that repeats one of the next few lines", () => {
            assert.equal(cutFollowingLinesEcho("x = 1\ndef other():", "", following), "x = 1");
        });

        it("keeps short lines that happen to equal a later line, and unrelated text", () => {
            assert.equal(cutFollowingLinesEcho("if x:\n        pass\n    y = 2", "    ", ["    z = 3", "    pass"]), "if x:\n        pass\n    y = 2");
            assert.equal(cutFollowingLinesEcho("total = 0", "    ", following), "total = 0");
        });
    });

    describe("removeDuplicateClosers", () => {
        it("cuts where the suggestion closes the bracket the editor already closed after the cursor", () => {
            assert.equal(removeDuplicateClosers(" h):", ")", "    def __init__(self,"), " h", "def __init__(self,|) + ` h):`");
            assert.equal(removeDuplicateClosers(" h): pass", ")", "def f(self,"), " h");
            assert.equal(removeDuplicateClosers("a) + b(c)", ")", "x = f("), "a");
            assert.equal(removeDuplicateClosers("0], 1)", "])", "foo(bar["), "0");
            assert.equal(removeDuplicateClosers("b)", "  )", "f(a, "), "b", "spaces before the closer");
        });

        it("removes only the repeated end when nothing but closers follow (the user's outer brackets stay closed)", () => {
            assert.equal(removeDuplicateClosers("a, b)", ")", "print("), "a, b");
            assert.equal(removeDuplicateClosers("a, b))", ")", "print(f("), "a, b)");
            assert.equal(removeDuplicateClosers("x[0])", ")]", "f(a["), "x[0]");
            assert.equal(removeDuplicateClosers("key]):", "]):", "if d["), "key");
            assert.equal(removeDuplicateClosers("g(x))", "))", "f(h("), "g(x)");
        });

        it("cuts where the suggestion closes the string the editor already closed", () => {
            assert.equal(removeDuplicateClosers("hello\")", "\")", "print(\""), "hello");
            assert.equal(removeDuplicateClosers("hello\", end=\"\")", "\")", "print(\""), "hello");
            assert.equal(removeDuplicateClosers("it's')", "')", "x = f('"), "it", "the first single quote closes the user's string");
            assert.equal(removeDuplicateClosers("done.\"\"\"", "\"\"\"", "    \"\"\"Return"), "done.", "a one-line docstring");
        });

        it("keeps brackets the suggestion opens and closes itself", () => {
            assert.equal(removeDuplicateClosers(" g(x)", ")", "f("), " g(x)", "a nested call");
            assert.equal(removeDuplicateClosers("[i for i in range(3)]", ")", "list("), "[i for i in range(3)]");
            assert.equal(removeDuplicateClosers("\")\"", ")", "print("), "\")\"", "a closer inside the suggestion's own string");
        });

        it("keeps suggestions when the rest of the line is not a closer, or the closer is another kind", () => {
            assert.equal(removeDuplicateClosers("f(x)", "", "y = "), "f(x)");
            assert.equal(removeDuplicateClosers("f(x)", " + 1", "y = "), "f(x)");
            assert.equal(removeDuplicateClosers("name", "me)", "print(na"), "name");
            assert.equal(removeDuplicateClosers("a)\n    b", ")", "f("), "a)\n    b", "multi-line suggestions are the guard's");
            assert.equal(removeDuplicateClosers("x]", ")", "f(a["), "x]", "closes the [ the user left open before the (: the guard judges");
        });

        it("keeps quotes when the cursor is not inside a string, and brackets when it is", () => {
            assert.equal(removeDuplicateClosers("'a'", "''", "x = "), "'a'");
            assert.equal(removeDuplicateClosers("a) b", "\")", "print(\"("), "a) b");
        });
    });

    describe("removeRestOfLineEcho", () => {
        it("removes the end of a suggestion that repeats the text after the cursor", () => {
            assert.equal(removeRestOfLineEcho("a + b", "b"), "a + ");
            assert.equal(removeRestOfLineEcho("(a, b): pass", ": pass"), "(a, b)");
            assert.equal(removeRestOfLineEcho("items)", "items)"), "");
        });

        it("keeps short chance overlaps and suggestions without overlap", () => {
            assert.equal(removeRestOfLineEcho("name", "e_list"), "name");
            assert.equal(removeRestOfLineEcho("total", " = 0"), "total");
            assert.equal(removeRestOfLineEcho("x", ""), "x");
        });
    });

    it("overlapLength finds the longest end of the text that starts the following text", () => {
        assert.equal(overlapLength("abc)", ")]"), 1);
        assert.equal(overlapLength("f(a, b)", ", b)"), 4);
        assert.equal(overlapLength("abc", "xyz"), 0);
    });

    describe("matchDocumentIndentation", () => {
        it("turns the model's spaces into the document's tabs (later lines only)", () => {
            assert.equal(matchDocumentIndentation("if x:\n        y = 1\n    z", { insertSpaces: false, tabSize: 4 }), "if x:\n\t\ty = 1\n\tz");
        });

        it("turns tabs into spaces for a space-indented document", () => {
            assert.equal(matchDocumentIndentation("if x:\n\t\ty = 1", { insertSpaces: true, tabSize: 4 }), "if x:\n        y = 1");
        });

        it("keeps the first line, text already in the document's style, and unknown styles", () => {
            assert.equal(matchDocumentIndentation("  a\n    b", { insertSpaces: true, tabSize: 4 }), "  a\n    b");
            assert.equal(matchDocumentIndentation("a\n        b", undefined), "a\n        b");
        });
    });

    it("trimTrailingWhitespace trims line ends and trailing blank lines, keeps leading newlines and inner blanks", () => {
        assert.equal(trimTrailingWhitespace("a = 1  \n\n    b = 2\t\n\n   \n"), "a = 1\n\n    b = 2");
        assert.equal(trimTrailingWhitespace("\n    return 1"), "\n    return 1");
    });

    it("trimTrailingWhitespace keeps the space before text that follows the cursor", () => {
        assert.equal(trimTrailingWhitespace("a + ", "b"), "a + ");
        assert.equal(trimTrailingWhitespace("a + ", "   "), "a +");
    });

    it("dropWhitespaceOnly drops blank suggestions and keeps real ones", () => {
        assert.equal(dropWhitespaceOnly("   \n\t"), "");
        assert.equal(dropWhitespaceOnly("  x"), "  x");
    });

    it("postprocessSuggestion applies the rules in order and records what each removed", () => {
        const multi = postprocessSuggestion("total = 0  \n\tfor x in xs:\n\t\ttotal += x\n    return total\n\n", {
            textBeforeCursor: "    ", restOfLine: "", followingLines: ["    return total"], indent: { insertSpaces: true, tabSize: 4 },
        });
        assert.equal(multi.text, "total = 0\n    for x in xs:\n        total += x");
        assert.deepEqual(multi.effects.map((effect) => effect.rule), ["followingLinesEcho", "indentation", "trailingWhitespace"]);
        const clean = postprocessSuggestion("a, b))", { textBeforeCursor: "print(f(", restOfLine: ")", followingLines: [] });
        assert.equal(clean.text, "a, b)");
        assert.deepEqual(clean.effects, [{ rule: "duplicateClosers", removed: ")" }]);
    });
});
