import * as assert from "node:assert/strict";
import { droppedRangeLength } from "../../../src/modelHost/engine/windowShift";

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, index) => from + index);

describe("window shift: the range a window step dropped", () => {
    const header = range(1000, 1010);

    it("finds the dropped lines between the kept header and the kept body", () => {
        const cached = [...header, ...range(0, 50), ...range(50, 200)];
        const wanted = [...header, ...range(50, 200), ...range(500, 520)];
        assert.equal(droppedRangeLength(cached, wanted, header.length, 32), 50);
    });

    it("finds nothing for an edit (no long cached run continues the new prompt)", () => {
        const cached = [...header, ...range(0, 200)];
        const wanted = [...header, 7777, ...range(1, 200)];
        assert.equal(droppedRangeLength(cached, wanted, header.length, 32), undefined);
    });

    it("needs the whole run: a short coincidental match is not a step", () => {
        const cached = [...header, ...range(0, 40), ...range(100, 120)];
        const wanted = [...header, ...range(100, 120), ...range(900, 960)];
        assert.equal(droppedRangeLength(cached, wanted, header.length, 32), undefined);
    });

    it("finds nothing when too little of the new prompt is left to match", () => {
        const cached = [...header, ...range(0, 50), ...range(50, 60)];
        assert.equal(droppedRangeLength(cached, [...header, ...range(50, 60)], header.length, 32), undefined);
    });
});
