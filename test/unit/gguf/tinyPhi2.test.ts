import * as assert from "node:assert/strict";
import { readGguf } from "../../support/gguf/GgufReader";
import { loadPhi2Vocabulary, Phi2TokenType, PHI2_VOCAB_SIZE } from "../../support/gguf/phi2Vocabulary";
import { createScriptedPhi2Weights, planScripts, type Rule, ScriptConflictError } from "../../support/gguf/scriptedPhi2";
import { buildTinyPhi2Gguf, createNeutralPhi2Weights, TINY_PHI2 } from "../../support/gguf/tinyPhi2";

const describeToken = (token: number): string => `<${token}>`;
const EOS = 50256;

describe("Phi-2 vocabulary", () => {
    const vocabulary = loadPhi2Vocabulary();

    it("has GPT-2's tokens, CodeGen's whitespace runs and padding up to 51200", () => {
        assert.equal(vocabulary.tokens.length, PHI2_VOCAB_SIZE);
        assert.equal(vocabulary.tokens[0], "!");
        assert.equal(vocabulary.tokens[198], "Ċ"); // "\n" in GPT-2's byte-level alphabet
        assert.equal(vocabulary.tokens[50256], "<|endoftext|>");
        assert.equal(vocabulary.tokens[50257], " ".repeat(31));
        assert.equal(vocabulary.tokens[50284], " ".repeat(4));
        assert.equal(vocabulary.tokens[50286], " ".repeat(2));
        assert.equal(vocabulary.tokens[50287], "\t".repeat(9));
        assert.equal(vocabulary.tokens[50294], "\t".repeat(2));
        assert.equal(vocabulary.tokens[50295], "[PAD50295]");
        assert.equal(vocabulary.tokens[51199], "[PAD51199]");
        assert.equal(new Set(vocabulary.tokens).size, PHI2_VOCAB_SIZE, "token texts are unique");
    });

    it("types tokens as llama.cpp expects", () => {
        const typeOf = (id: number): number => vocabulary.tokenTypes[id];
        assert.equal(typeOf(0), Phi2TokenType.normal);
        assert.equal(typeOf(50255), Phi2TokenType.normal);
        assert.equal(typeOf(50256), Phi2TokenType.control);
        assert.equal(typeOf(50257), Phi2TokenType.userDefined);
        assert.equal(typeOf(50294), Phi2TokenType.userDefined);
        assert.equal(typeOf(50295), Phi2TokenType.unused);
        assert.equal(typeOf(51199), Phi2TokenType.unused);
    });

    it("has GPT-2's 50000 merges in priority order", () => {
        assert.equal(vocabulary.merges.length, 50000);
        assert.equal(vocabulary.merges[0], "Ġ t");
        assert.ok(vocabulary.merges.every((merge) => merge.split(" ").length === 2));
    });
});

describe("tiny Phi-2 GGUF", () => {
    const file = readGguf(buildTinyPhi2Gguf(createNeutralPhi2Weights(), { name: "unit", embeddingType: "f16", outputType: "f32" }));
    const scalar = (key: string): unknown => {
        const entry = file.metadata.get(key);
        assert.ok(entry && entry.type !== "array", `missing ${key}`);
        return entry.value;
    };

    it("declares the phi2 architecture with u32 hyperparameters", () => {
        assert.equal(scalar("general.architecture"), "phi2");
        for (const [key, expected] of [
            ["phi2.context_length", 2048], ["phi2.embedding_length", 64], ["phi2.feed_forward_length", 256],
            ["phi2.block_count", 2], ["phi2.attention.head_count", 4], ["phi2.attention.head_count_kv", 4],
            ["phi2.rope.dimension_count", 8],
        ] as const) {
            assert.deepEqual(file.metadata.get(key), { type: "uint32", value: expected }, key);
        }
        assert.equal(file.metadata.get("phi2.attention.layer_norm_epsilon")?.type, "float32");
    });

    it("carries the Phi-2 tokenizer", () => {
        assert.equal(scalar("tokenizer.ggml.model"), "gpt2");
        assert.equal(scalar("tokenizer.ggml.pre"), "phi-2");
        assert.equal(scalar("tokenizer.ggml.bos_token_id"), EOS);
        assert.equal(scalar("tokenizer.ggml.eos_token_id"), EOS);
        assert.equal(scalar("tokenizer.ggml.unknown_token_id"), EOS);
        assert.equal(scalar("tokenizer.ggml.add_bos_token"), false);
        const tokens = file.metadata.get("tokenizer.ggml.tokens");
        const types = file.metadata.get("tokenizer.ggml.token_type");
        assert.ok(tokens?.type === "array" && tokens.itemType === "string");
        assert.ok(types?.type === "array" && types.itemType === "int32");
        assert.equal(tokens.value.length, 51200);
        assert.equal(types.value.length, 51200);
    });

    it("has every phi2 tensor with ggml dims", () => {
        const { embedding: e, vocabSize: v, feedForward: f } = TINY_PHI2;
        const expected: [string, number[], string][] = [
            ["token_embd.weight", [e, v], "f16"], ["output_norm.weight", [e], "f32"], ["output_norm.bias", [e], "f32"],
            ["output.weight", [e, v], "f32"], ["output.bias", [v], "f32"],
        ];
        for (const block of [0, 1]) {
            expected.push(
                [`blk.${block}.attn_norm.weight`, [e], "f32"], [`blk.${block}.attn_norm.bias`, [e], "f32"],
                [`blk.${block}.attn_qkv.weight`, [e, 3 * e], "f32"], [`blk.${block}.attn_qkv.bias`, [3 * e], "f32"],
                [`blk.${block}.attn_output.weight`, [e, e], "f32"], [`blk.${block}.attn_output.bias`, [e], "f32"],
                [`blk.${block}.ffn_up.weight`, [e, f], "f32"], [`blk.${block}.ffn_up.bias`, [f], "f32"],
                [`blk.${block}.ffn_down.weight`, [f, e], "f32"], [`blk.${block}.ffn_down.bias`, [e], "f32"],
            );
        }
        assert.deepEqual(file.tensors.map((tensor) => [tensor.name, tensor.dims, tensor.type]), expected);
        assert.deepEqual(Array.from(file.readTensor("output_norm.weight")), new Array(e).fill(1));
    });
});

describe("scripted model planning", () => {
    const triples = (rules: readonly Rule[]): unknown[] => rules.map((r) => [r.previous2, r.previous1, r.current, r.next]);

    it("turns a script into transitions ending with <|endoftext|>", () => {
        const plan = planScripts([[10, 11, 12]], describeToken);
        assert.deepEqual(plan.transitions.map((t) => [t.previous2, t.previous1, t.current, t.next]), [
            [undefined, undefined, 10, 11], [undefined, 10, 11, 12], [10, 11, 12, EOS],
        ]);
        assert.deepEqual(plan.rules, []);
        assert.deepEqual([...plan.defaultNext], [[10, 11], [11, 12], [12, EOS]]);
        assert.deepEqual(new Set(plan.targets), new Set([11, 12, EOS]));
    });

    it("resolves a repeated token by the token before it", () => {
        // 5 is followed by 6 after 1 and by <|endoftext|> after 2, like "\n" in the add script.
        const plan = planScripts([[1, 5, 6, 2, 5]], describeToken);
        assert.equal(plan.defaultNext.get(5), 6);
        assert.deepEqual(triples(plan.rules), [[undefined, 2, 5, EOS]]);
    });

    it("resolves a repeated pair by the token two back", () => {
        // Like "\n", "    " starting two body lines: the token ending the line before decides.
        const plan = planScripts([[1, 7, 8, 20, 2, 7, 8, 21, 3, 7, 8, 22]], describeToken);
        assert.equal(plan.defaultNext.get(8), 20);
        assert.deepEqual(triples(plan.rules), [[2, 7, 8, 21], [3, 7, 8, 22]]);
    });

    it("keeps the start-of-script successor as the default, since the tokens before are unknown there", () => {
        const plan = planScripts([[5, 7], [3, 5, 8], [4, 5, 8]], describeToken);
        assert.equal(plan.defaultNext.get(5), 7);
        assert.deepEqual(triples(plan.rules), [[undefined, 3, 5, 8], [undefined, 4, 5, 8]]);
    });

    it("names the tokens of a conflicting triple", () => {
        assert.throws(() => planScripts([[9, 1, 2, 3, 9, 1, 2, 4]], describeToken), (error: unknown) => {
            assert.ok(error instanceof ScriptConflictError);
            assert.match(error.message, /token <2> after <9> <1> is followed by both <3> and <4>/);
            return true;
        });
        assert.throws(() => planScripts([[1, 2], [1, 3]], describeToken), /token <1> at the start of a script is followed by both <2> and <3>/);
        assert.throws(() => planScripts([[1, 2, 3], [1, 2, 4]], describeToken), /token <2> after <1> \(at the start of a script\) is followed by both <3> and <4>/);
    });

    it("rejects plans the tiny model cannot hold", () => {
        // 200 distinct contexts for one token need more FFN units (rules) than the model has.
        const scripts = Array.from({ length: 200 }, (_, i) => [1000 + i, 5, 2000 + i]);
        assert.throws(() => createScriptedPhi2Weights(planScripts(scripts, describeToken), describeToken), ScriptConflictError);
    });
});

describe("scripted model weights (independent forward pass)", () => {
    it("greedy decoding replays every script, whatever comes before it", function () {
        this.timeout(30_000); // full-vocabulary logits in plain JS
        const scripts = [
            [1, 5, 6, 2, 5], // 5 -> 6 after 1, -> <|endoftext|> after 2
            [9, 8, 5, 7, 4, 3, 4, 2, 4, 8], // 4 -> 3, 2 or 8, 5 -> 7, 2 -> 4, 8 -> end, by the token before
            [40, 41, 42, 30, 41, 42, 31, 41, 42, 32], // (41, 42) -> 30, 31 or 32 by the token two back
        ];
        const plan = planScripts(scripts, describeToken);
        assert.ok(plan.rules.length > 0, "the scripts exercise context-dependent rules");
        const weights = createScriptedPhi2Weights(plan, describeToken);
        for (const script of scripts) {
            for (const cut of [1, script.length - 1]) {
                const prompt = [300, 301, 302, ...script.slice(0, cut)];
                assert.deepEqual(greedyDecode(weights, prompt, 20), [...script.slice(cut), EOS], `script ${script} cut ${cut}`);
            }
        }
    });
});

type Weights = ReturnType<typeof createNeutralPhi2Weights>;

/** Reference phi2 forward pass (as in llama.cpp's graph), written independently of the generator. */
function greedyDecode(weights: Weights, prompt: number[], maxTokens: number): number[] {
    const { embedding: E, heads: H, headDim: D, ropeDims, ropeFreqBase, feedForward: F, vocabSize: V, layerNormEpsilon } = TINY_PHI2;
    const tokens = [...prompt];
    const generated: number[] = [];
    const norm = (x: Float64Array, w: Float32Array, b: Float32Array): Float64Array => {
        const mean = x.reduce((s, v) => s + v, 0) / E;
        const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / E;
        return x.map((v, i) => ((v - mean) / Math.sqrt(variance + layerNormEpsilon)) * w[i] + b[i]);
    };
    const matVec = (m: Float32Array, x: Float64Array, rows: number, bias: Float32Array): Float64Array => {
        const out = new Float64Array(rows);
        for (let r = 0; r < rows; r++) {
            let sum = bias[r];
            for (let c = 0; c < x.length; c++) sum += m[r * x.length + c] * x[c];
            out[r] = sum;
        }
        return out;
    };
    const rope = (v: Float64Array, offset: number, position: number): void => {
        const half = ropeDims / 2;
        for (let i = 0; i < half; i++) {
            const angle = position * ropeFreqBase ** (-2 * i / ropeDims);
            const a = v[offset + i];
            const b = v[offset + i + half];
            v[offset + i] = a * Math.cos(angle) - b * Math.sin(angle);
            v[offset + i + half] = a * Math.sin(angle) + b * Math.cos(angle);
        }
    };
    const gelu = (x: number): number => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

    while (generated.length < maxTokens) {
        let hidden = tokens.map((token) => Float64Array.from(weights.tokenEmbedding.subarray(token * E, (token + 1) * E)));
        for (const layer of weights.layers) {
            const normed = hidden.map((x) => norm(x, layer.attnNormWeight, layer.attnNormBias));
            const qkv = normed.map((x, position) => {
                const v = matVec(layer.attnQkvWeight, x, 3 * E, layer.attnQkvBias);
                for (let h = 0; h < H; h++) { rope(v, h * D, position); rope(v, E + h * D, position); }
                return v;
            });
            hidden = hidden.map((x, position) => {
                const attention = new Float64Array(E);
                for (let h = 0; h < H; h++) {
                    const scores = qkv.slice(0, position + 1).map((other) => {
                        let s = 0;
                        for (let d = 0; d < D; d++) s += qkv[position][h * D + d] * other[E + h * D + d];
                        return s / Math.sqrt(D);
                    });
                    const top = Math.max(...scores);
                    const exps = scores.map((s) => Math.exp(s - top));
                    const total = exps.reduce((a, b) => a + b, 0);
                    exps.forEach((weight, other) => {
                        for (let d = 0; d < D; d++) attention[h * D + d] += (weight / total) * qkv[other][2 * E + h * D + d];
                    });
                }
                const attended = matVec(layer.attnOutputWeight, attention, E, layer.attnOutputBias);
                const up = matVec(layer.ffnUpWeight, normed[position], F, layer.ffnUpBias).map(gelu);
                const down = matVec(layer.ffnDownWeight, up, E, layer.ffnDownBias);
                return x.map((value, i) => value + attended[i] + down[i]);
            });
        }
        const last = norm(hidden[hidden.length - 1], weights.outputNormWeight, weights.outputNormBias);
        const logits = matVec(weights.outputWeight, last, V, weights.outputBias);
        let best = 0;
        for (let v = 1; v < V; v++) if (logits[v] > logits[best]) best = v;
        generated.push(best);
        if (best === EOS) break;
        tokens.push(best);
    }
    return generated;
}
