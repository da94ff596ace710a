// The Phi-2-shaped model's random k-quant blocks: decoded by ggml's own dequantize_row_q4_K/q5_K/q6_K
// rules (re-implemented here from ggml-quants.c, independently of the writer), they must give
// weights of mean ~0 and std ~0.02; and the Q4_K_M type mix must be llama-quantize's.
import * as assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { float16BitsToFloat32 } from "../../support/gguf/float16";
import { GGML_BLOCK_BYTES, type GgmlBlockTypeName } from "../../support/gguf/ggufFormat";
import { GgufWriter } from "../../support/gguf/GgufWriter";
import { createPhi2ShapedWriter, PHI2_SHAPE, q4KMBlockType, usesMoreBits } from "../../support/gguf/phi2ShapedGguf";
import { ByteNoise, fillRandomKQuantBlocks } from "../../support/gguf/randomKQuantBlocks";

/** ggml's dequantization of one block (ggml-quants.c), for checking what llama.cpp will compute with. */
function dequantize(type: GgmlBlockTypeName, block: Uint8Array): Float32Array {
    const view = new DataView(block.buffer, block.byteOffset, block.length);
    const out = new Float32Array(256);
    if (type === "q6_K") {
        const d = float16BitsToFloat32(view.getUint16(208, true));
        for (let n = 0; n < 2; n++) {
            const ql = 64 * n, qh = 128 + 32 * n, sc = 192 + 8 * n;
            const scale = (i: number): number => (block[sc + i]! << 24) >> 24;
            for (let l = 0; l < 32; l++) {
                const is = Math.floor(l / 16);
                out[128 * n + l] = d * scale(is) * (((block[ql + l]! & 0xf) | ((block[qh + l]! & 3) << 4)) - 32);
                out[128 * n + l + 32] = d * scale(is + 2) * (((block[ql + l + 32]! & 0xf) | (((block[qh + l]! >> 2) & 3) << 4)) - 32);
                out[128 * n + l + 64] = d * scale(is + 4) * (((block[ql + l]! >> 4) | (((block[qh + l]! >> 4) & 3) << 4)) - 32);
                out[128 * n + l + 96] = d * scale(is + 6) * (((block[ql + l + 32]! >> 4) | (((block[qh + l]! >> 6) & 3) << 4)) - 32);
            }
        }
        return out;
    }
    const d = float16BitsToFloat32(view.getUint16(0, true));
    const dmin = float16BitsToFloat32(view.getUint16(2, true));
    const q = block.subarray(4, 16);
    const scaleMin = (j: number): [number, number] => j < 4
        ? [q[j]! & 63, q[j + 4]! & 63]
        : [(q[j + 4]! & 0xf) | ((q[j - 4]! >> 6) << 4), (q[j + 4]! >> 4) | ((q[j]! >> 6) << 4)];
    const qs = type === "q4_K" ? 16 : 48;
    for (let pair = 0; pair < 4; pair++) {
        const [sc1, m1] = scaleMin(2 * pair);
        const [sc2, m2] = scaleMin(2 * pair + 1);
        for (let l = 0; l < 32; l++) {
            const byte = block[qs + 32 * pair + l]!;
            const high5 = type === "q5_K" ? block[16 + l]! : 0;
            const low = (byte & 0xf) + (high5 & (1 << (2 * pair)) ? 16 : 0);
            const high = (byte >> 4) + (high5 & (2 << (2 * pair)) ? 16 : 0);
            out[64 * pair + l] = d * sc1 * low - dmin * m1;
            out[64 * pair + 32 + l] = d * sc2 * high - dmin * m2;
        }
    }
    return out;
}

function meanAndStd(values: Float32Array): { mean: number; std: number } {
    const mean = values.reduce((total, value) => total + value, 0) / values.length;
    const variance = values.reduce((total, value) => total + (value - mean) ** 2, 0) / values.length;
    return { mean, std: Math.sqrt(variance) };
}

describe("random k-quant blocks", () => {
    for (const type of ["q4_K", "q5_K", "q6_K"] as const) {
        it(`${type}: decode to weights of mean ~0 and std ~0.02, using every quant level`, () => {
            const blocks = 64;
            const bytes = new Uint8Array(blocks * GGML_BLOCK_BYTES[type]);
            fillRandomKQuantBlocks(type, bytes, 0.02, new ByteNoise(7));
            const values = new Float32Array(blocks * 256);
            for (let b = 0; b < blocks; b++) values.set(dequantize(type, bytes.subarray(b * GGML_BLOCK_BYTES[type], (b + 1) * GGML_BLOCK_BYTES[type])), b * 256);
            const { mean, std } = meanAndStd(values);
            assert.ok(Math.abs(mean) < 0.001, `mean ${mean}`);
            assert.ok(Math.abs(std - 0.02) < 0.001, `std ${std}`);
            const levels = new Set(values);
            assert.equal(levels.size, type === "q4_K" ? 16 : type === "q5_K" ? 32 : 64);
        });
    }

    it("refuses a buffer that is not whole blocks", () => {
        assert.throws(() => fillRandomKQuantBlocks("q4_K", new Uint8Array(145), 0.02, new ByteNoise(1)), /whole q4_K blocks/);
    });

    it("different seeds give different blocks, the same seed the same", () => {
        const fill = (seed: number): Uint8Array => {
            const bytes = new Uint8Array(GGML_BLOCK_BYTES.q6_K * 2);
            fillRandomKQuantBlocks("q6_K", bytes, 0.02, new ByteNoise(seed));
            return bytes;
        };
        assert.deepEqual(fill(3), fill(3));
        assert.notDeepEqual(fill(3), fill(4));
    });
});

describe("Phi-2-shaped Q4_K_M", () => {
    it("mixes block types as llama-quantize's Q4_K_M does for phi2", () => {
        const layers = PHI2_SHAPE.layers;
        const moreBits = Array.from({ length: layers }, (_, layer) => layer).filter((layer) => usesMoreBits(layer, layers));
        assert.deepEqual(moreBits, [0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31]);
        assert.equal(q4KMBlockType("output", 0, layers), "q6_K");
        assert.equal(q4KMBlockType("token_embd", 0, layers), "q4_K");
        assert.equal(q4KMBlockType("attn_qkv", 5, layers), "q5_K");
        assert.equal(q4KMBlockType("attn_output", 0, layers), "q4_K");
        assert.equal(q4KMBlockType("ffn_up", 0, layers), "q4_K");
        assert.equal(q4KMBlockType("ffn_down", 0, layers), "q6_K");
        assert.equal(q4KMBlockType("ffn_down", 4, layers), "q4_K");
    });

    it("writes a small shape to a file whose size is the header plus whole blocks", async () => {
        const directory = await mkdtemp(join(tmpdir(), "phi2-shaped-"));
        try {
            const shape = { ...PHI2_SHAPE, embedding: 256, feedForward: 512, layers: 2, heads: 4, headDim: 64 };
            const path = join(directory, "small.gguf");
            await createPhi2ShapedWriter(1, shape).writeToFile(path);
            const file = await readFile(path);
            assert.equal(file.subarray(0, 4).toString("ascii"), "GGUF");
            const v = shape.vocabSize;
            // token_embd q4_K + output q6_K + per layer qkv q5_K, out/up q4_K, down q6_K (both layers use more bits).
            const blockBytes = (v * 256 / 256) * 144 + (v * 256 / 256) * 210 +
                2 * ((256 * 768 / 256) * 176 + (256 * 256 / 256) * 144 + (256 * 512 / 256) * 144 + (512 * 256 / 256) * 210);
            const { size } = await stat(path);
            assert.ok(size > blockBytes && size < blockBytes + 4_000_000, `size ${size} vs ${blockBytes} bytes of blocks + the tokenizer`);
        } finally {
            await rm(directory, { recursive: true, force: true });
        }
    });

    it("refuses a block tensor whose rows are not whole blocks", () => {
        assert.throws(() => new GgufWriter().addTensor({ name: "w", dims: [100, 4], type: "q4_K", fillBlocks: () => undefined }), /whole blocks/);
    });
});
