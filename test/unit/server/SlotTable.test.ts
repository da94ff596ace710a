import assert from "node:assert/strict";
import { SlotTable } from "../../../src/serverClient/SlotTable";

describe("SlotTable", () => {
    it("keeps a slot per key while there are enough slots", () => {
        const table = new SlotTable(3, 0);
        const a = table.slotFor("a");
        const b = table.slotFor("b");
        assert.notEqual(a, b);
        assert.equal(table.slotFor("a"), a);
        assert.equal(table.slotFor("b"), b);
    });

    it("gives a new key the least recently used slot", () => {
        const table = new SlotTable(2, 0);
        const a = table.slotFor("a");
        const b = table.slotFor("b");
        table.slotFor("a");
        assert.equal(table.slotFor("c"), b);
        assert.equal(table.slotFor("a"), a);
        // "b" lost its slot to "c"; "a" was used since, so "b" takes "c"'s.
        assert.equal(table.slotFor("b"), b);
        assert.equal(table.slotFor("a"), a);
    });

    it("keeps the dedicated key's slot out of the documents' rotation", () => {
        const table = new SlotTable(3, 0, "explain");
        const explain = table.slotFor("explain");
        const documents = new Set(["a", "b", "c", "d"].map((key) => table.slotFor(key)));
        assert.equal(documents.has(explain), false);
        assert.equal(documents.size, 2);
        assert.equal(table.slotFor("explain"), explain);
    });

    it("shares the only slot when the server has one, dedicated key included", () => {
        const table = new SlotTable(1, 5, "explain");
        assert.deepEqual(["a", "b", "explain"].map((key) => table.slotFor(key)), [0, 0, 0]);
    });

    it("starts at the client's offset so two clients' first documents differ", () => {
        assert.notEqual(new SlotTable(4, 0).slotFor("doc"), new SlotTable(4, 1).slotFor("doc"));
        assert.equal(new SlotTable(4, 6).slotFor("doc"), 2);
    });

    it("frees a forgotten key's slot for the next new key", () => {
        const table = new SlotTable(2, 0);
        const a = table.slotFor("a");
        table.slotFor("b");
        table.forget("a");
        table.slotFor("b");
        assert.equal(table.slotFor("c"), a);
    });

    it("names the key that lost its slot to a new key", () => {
        const table = new SlotTable(3, 0, "explain");
        const evicted: string[] = [];
        for (const key of ["a", "b", "a", "explain", "c", "b", "explain"]) table.slotFor(key, (lost) => evicted.push(`${lost}->${key}`));
        // Two document slots (one is the explanations'): c takes b's, then b takes a's.
        assert.deepEqual(evicted, ["b->c", "a->b"]);
    });
});
