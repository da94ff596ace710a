import assert from "node:assert/strict";
import { findEnclosingBlock } from "../../../src/core/python/blocks";
import { createTextSnapshot } from "../../../src/core/python/textSnapshot";

describe("block finding", () => {
    it("measures tab-indented blocks with the document's tab size, like the rest of the core", () => {
        const text = "class A:\n\tdef f(self):\n\t\treturn 1\n\n\tdef g(self):\n\t\tpass\n";
        for (const tabSize of [2, 4, 8]) {
            const document = createTextSnapshot(text, { indent: { insertSpaces: false, tabSize } });
            assert.deepEqual(findEnclosingBlock(document, 2), { kind: "function", name: "f", startLine: 1, headerLine: 1, endLine: 2 }, `tab size ${tabSize}`);
            assert.equal(findEnclosingBlock(document, 5)?.name, "g");
        }
    });

    it("does not end a block at a docstring line written at column 0", () => {
        const document = createTextSnapshot('def f():\n    """Doc\nat column 0 (\n    """\n    return 1\n');
        assert.equal(findEnclosingBlock(document, 4)?.endLine, 4);
    });
});
