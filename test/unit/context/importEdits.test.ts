import assert from "node:assert/strict";
import { editMayChangeImports } from "../../../src/core/context/importEdits";

describe("editMayChangeImports", () => {
    const typing = (line: number, insertedText: string, lineAfter: string) => ({ startLine: line, endLine: line, insertedText, lineAfter });
    const LAST_IMPORT_LINE = 3;

    it("keeps the imports for ordinary typing below them", () => {
        assert.equal(editMayChangeImports(typing(10, "x", "    total = x"), LAST_IMPORT_LINE), false);
        assert.equal(editMayChangeImports(typing(10, "", "    total ="), LAST_IMPORT_LINE), false, "a deletion inside one line");
        assert.equal(editMayChangeImports(typing(10, "(a, b)", "    important(a, b)"), LAST_IMPORT_LINE), false, "a name that merely contains 'import'");
        assert.equal(editMayChangeImports(typing(10, "t", "    import"), LAST_IMPORT_LINE), false, "an indented import is not top-level");
    });

    it("rescans for edits at or above the last import line", () => {
        assert.equal(editMayChangeImports(typing(3, "s", "from .models import Users"), LAST_IMPORT_LINE), true);
        assert.equal(editMayChangeImports(typing(0, "x", "x"), LAST_IMPORT_LINE), true);
    });

    it("rescans when lines are added or removed, or a string or continuation may open or close", () => {
        assert.equal(editMayChangeImports({ startLine: 10, endLine: 12, insertedText: "", lineAfter: "" }, LAST_IMPORT_LINE), true);
        assert.equal(editMayChangeImports(typing(10, "\n", ""), LAST_IMPORT_LINE), true);
        assert.equal(editMayChangeImports(typing(10, "\"", "    s = \""), LAST_IMPORT_LINE), true);
        assert.equal(editMayChangeImports(typing(10, "'", "    s = '"), LAST_IMPORT_LINE), true);
        assert.equal(editMayChangeImports(typing(10, "\\", "x = 1 + \\"), LAST_IMPORT_LINE), true);
    });

    it("rescans when the line becomes a top-level import, also in a document without imports", () => {
        assert.equal(editMayChangeImports(typing(10, "t", "import"), LAST_IMPORT_LINE), true);
        assert.equal(editMayChangeImports(typing(10, "m", "from"), LAST_IMPORT_LINE), true);
        assert.equal(editMayChangeImports(typing(0, "t", "import"), -1), true);
        assert.equal(editMayChangeImports(typing(5, "x", "x = 1"), -1), false);
    });
});
