import * as assert from "node:assert/strict";
import { normalizeGpuMode } from "../../../src/protocol/modelHostProtocol";

describe("normalizeGpuMode", () => {
    it('accepts the five modes and maps the older "off" to "cpu"', () => {
        for (const mode of ["auto", "cpu", "cuda", "vulkan", "metal"]) assert.equal(normalizeGpuMode(mode), mode);
        assert.equal(normalizeGpuMode("off"), "cpu");
    });

    it("rejects anything else", () => {
        for (const mode of ["", "gpu", "CUDA", "on"]) assert.equal(normalizeGpuMode(mode), undefined);
    });
});
