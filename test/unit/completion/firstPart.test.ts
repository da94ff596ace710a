import * as assert from "node:assert/strict";
import { completeFirstLine, shownPart } from "../../../src/core/completion/firstPart";

describe("first part first", () => {
    describe("completeFirstLine", () => {
        it("is the first line with content once its line break has come", () => {
            assert.equal(completeFirstLine("    return a + b\n    x"), "    return a + b");
        });

        it("keeps leading blank lines with it (the newline after a block opener)", () => {
            assert.equal(completeFirstLine("\n    return a\n"), "\n    return a");
        });

        it("is undefined while the line is still being written, or with nothing but blanks", () => {
            assert.equal(completeFirstLine("    return a + "), undefined);
            assert.equal(completeFirstLine("\n    \n"), undefined);
            assert.equal(completeFirstLine(""), undefined);
        });
    });

    describe("shownPart", () => {
        it("shows a block's complete first line once it was worth waiting for", () => {
            assert.equal(shownPart("    y = 1\n    z", "multiLine", true, false), "    y = 1");
        });

        it("does not show a block's first line early before then, nor a single line's", () => {
            assert.equal(shownPart("    y = 1\n    z", "multiLine", false, false), undefined);
            assert.equal(shownPart("y = 1\n", "singleLine", true, false), undefined);
        });

        it("once the budget is spent, shows what there is: the first line, or the partial line", () => {
            assert.equal(shownPart("    y = 1\n    z = ", "multiLine", false, true), "    y = 1");
            assert.equal(shownPart("self.na", "singleLine", false, true), "self.na");
        });

        it("never shows only whitespace", () => {
            assert.equal(shownPart("\n    ", "multiLine", true, true), undefined);
        });
    });
});
