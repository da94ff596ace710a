import assert from "node:assert/strict";
import { documentWithItem } from "../../../src/core/completion/selectedItem";
import { createTextSnapshot } from "../../../src/core/python/textSnapshot";
import type { DocumentSnapshot } from "../../../src/core/types";

function lines(document: DocumentSnapshot): string[] {
    return Array.from({ length: document.lineCount }, (_, line) => document.lineAt(line));
}

describe("documentWithItem (completing over the suggest widget's selected item)", () => {
    const source = createTextSnapshot("def add(a, b):\n    re\n\nprint(add(1, 2))\n", { uri: "file:///add.py" });

    it("replaces the typed word with the item and puts the cursor after it", () => {
        const { document, position } = documentWithItem(source, { range: { start: { line: 1, character: 4 }, end: { line: 1, character: 6 } }, text: "return" });
        assert.deepEqual(lines(document), ["def add(a, b):", "    return", "", "print(add(1, 2))", ""]);
        assert.deepEqual(position, { line: 1, character: 10 });
        assert.equal(document.uri, "file:///add.py", "the same document: its KV cache and suggestion cache apply");
    });

    it("keeps the text after the range on the cursor's line", () => {
        const snapshot = createTextSnapshot("x = pri(1)\n");
        const { document, position } = documentWithItem(snapshot, { range: { start: { line: 0, character: 4 }, end: { line: 0, character: 7 } }, text: "print" });
        assert.equal(document.lineAt(0), "x = print(1)");
        assert.deepEqual(position, { line: 0, character: 9 });
    });

    it("shifts the lines below an item of several lines", () => {
        const { document, position } = documentWithItem(source, { range: { start: { line: 1, character: 4 }, end: { line: 1, character: 6 } }, text: "if a:\n        pass" });
        assert.deepEqual(lines(document), ["def add(a, b):", "    if a:", "        pass", "", "print(add(1, 2))", ""]);
        assert.deepEqual(position, { line: 2, character: 12 });
    });

    it("leaves the underlying document as it was", () => {
        documentWithItem(source, { range: { start: { line: 1, character: 4 }, end: { line: 1, character: 6 } }, text: "return" });
        assert.equal(source.lineAt(1), "    re");
        assert.equal(source.lineCount, 5);
    });
});
