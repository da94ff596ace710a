// The Phi-2-shaped model's recipe, checked on a small shape that llama.cpp loads in a second: the
// directly written k-quant blocks are what llama.cpp expects (it loads the file, reports the
// Q4_K_M types per tensor, and greedy decoding gives real text with line ends, never
// <|endoftext|>). The full 1.8 GB model is for the benchmark only (`bench --phi2-shape`).
import * as assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Token } from "node-llama-cpp";
import { createPhi2ShapedWriter, PHI2_SHAPE } from "../support/gguf/phi2ShapedGguf";
import { END_OF_TEXT_TOKEN, FIRST_PADDING_TOKEN } from "../support/gguf/phi2Vocabulary";
import { getTestLlama } from "../support/tinyModels";

/** Phi-2's layout at a size that loads fast: 8 layers so both Q4_K and Q6_K ffn_down occur. */
const SMALL_SHAPE = { ...PHI2_SHAPE, embedding: 256, feedForward: 1024, layers: 8, heads: 4, headDim: 64 };
/** ggml_type ids. */
const Q4_K = 12, Q5_K = 13, Q6_K = 14;

describe("Phi-2-shaped Q4_K_M recipe (small shape) in llama.cpp", function () {
    this.timeout(120_000);
    let directory: string;
    let modelPath: string;

    before(async () => {
        directory = await mkdtemp(join(tmpdir(), "phi2-shaped-model-"));
        modelPath = join(directory, "small-phi2-shaped.gguf");
        await createPhi2ShapedWriter(5, SMALL_SHAPE).writeToFile(modelPath);
    });

    after(async () => {
        await rm(directory, { recursive: true, force: true });
    });

    it("has llama-quantize's Q4_K_M type per tensor, as llama.cpp's GGUF reader sees it", async () => {
        const { readGgufFileInfo } = await import("node-llama-cpp");
        const info = await readGgufFileInfo(modelPath, { readTensorInfo: true });
        const types = new Map((info.tensorInfo ?? []).map((tensor) => [tensor.name, Number(tensor.ggmlType)]));
        assert.equal(types.get("token_embd.weight"), Q4_K);
        assert.equal(types.get("output.weight"), Q6_K);
        assert.equal(types.get("blk.0.attn_qkv.weight"), Q5_K);
        assert.equal(types.get("blk.0.attn_output.weight"), Q4_K);
        assert.equal(types.get("blk.0.ffn_up.weight"), Q4_K);
        assert.equal(types.get("blk.0.ffn_down.weight"), Q6_K, "layer 0 of 8 gets more bits");
        assert.equal(types.get("blk.2.ffn_down.weight"), Q4_K, "layer 2 of 8 does not");
        assert.equal(types.get("blk.0.attn_norm.weight"), 0, "1-d tensors stay f32");
    });

    it("loads and decodes greedily into text, never <|endoftext|> or padding", async () => {
        const llama = await getTestLlama();
        const model = await llama.loadModel({ modelPath });
        const context = await model.createContext({ contextSize: 256, threads: 1, sequences: 1 });
        try {
            const sequence = context.getSequence();
            const generated: number[] = [];
            for await (const token of sequence.evaluate([...model.tokenize("import os\n\ndef main():\n    ")], { temperature: 0, yieldEogToken: true })) {
                generated.push(token);
                if (generated.length >= 48) break;
            }
            assert.equal(generated.length, 48);
            assert.ok(generated.every((token) => token !== END_OF_TEXT_TOKEN && token < FIRST_PADDING_TOKEN), `ids ${generated.join(",")}`);
            const text = model.detokenize(generated as Token[]);
            assert.ok(text.trim().length > 0, "real text");
        } finally {
            await context.dispose();
            await model.dispose();
        }
    });
});
