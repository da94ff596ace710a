import * as assert from "node:assert/strict";
import { DEFAULT_KV_CACHE_BUDGET_MB, MIN_SEQUENCE_CONTEXT, fitKvCache, kvBytesPerToken } from "../../../src/core/model/kvCacheLayout";

const PHI2 = { blocks: 32, kvWidth: 2560 };
const MIB = 1024 * 1024;
const WANTED = { sequences: 3, contextSize: 2048 };

describe("KV cache layout within a memory budget", () => {
    it("costs Phi-2 320 KiB per token in f16", () => {
        assert.equal(kvBytesPerToken(PHI2), 320 * 1024);
    });

    it("fits Phi-2 into the default budget with 2 sequences of 768 tokens", () => {
        const layout = fitKvCache(PHI2, DEFAULT_KV_CACHE_BUDGET_MB * MIB, WANTED);
        assert.deepEqual(layout, { sequences: 2, contextSize: 768 });
        assert.ok(layout.sequences * layout.contextSize * kvBytesPerToken(PHI2) <= DEFAULT_KV_CACHE_BUDGET_MB * MIB);
    });

    it("keeps everything that is wanted when it fits (small models)", () => {
        assert.deepEqual(fitKvCache({ blocks: 2, kvWidth: 64 }, DEFAULT_KV_CACHE_BUDGET_MB * MIB, WANTED), WANTED);
        assert.deepEqual(fitKvCache(PHI2, 2000 * MIB, WANTED), WANTED);
    });

    it("drops sequences before shortening them", () => {
        assert.deepEqual(fitKvCache(PHI2, 1300 * MIB, WANTED), { sequences: 2, contextSize: 2048 });
    });

    it("falls back to one sequence, never below the smallest useful context", () => {
        assert.deepEqual(fitKvCache(PHI2, 300 * MIB, WANTED), { sequences: 1, contextSize: 768 });
        assert.deepEqual(fitKvCache(PHI2, 100 * MIB, WANTED), { sequences: 1, contextSize: MIN_SEQUENCE_CONTEXT });
        assert.deepEqual(fitKvCache(PHI2, 100 * MIB, { sequences: 3, contextSize: 512 }), { sequences: 1, contextSize: 512 });
    });

    it("changes nothing without a budget", () => {
        assert.deepEqual(fitKvCache(PHI2, 0, WANTED), WANTED);
    });
});
