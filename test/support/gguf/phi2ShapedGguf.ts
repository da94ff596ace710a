// A GGUF with Phi-2's exact shapes and tokenizer and random weights, quantized like llama-quantize's
// Q4_K_M, for measuring what Phi-2 really costs on a machine (llama.cpp's cost per token depends on
// shapes and block types, not on the weight values). Made without an f16 file or llama-quantize:
// the k-quant blocks are written directly (randomKQuantBlocks.ts).
import type { GgmlBlockTypeName } from "./ggufFormat";
import type { GgufWriter } from "./GgufWriter";
import { END_OF_TEXT_TOKEN, FIRST_PADDING_TOKEN, PHI2_VOCAB_SIZE } from "./phi2Vocabulary";
import { ByteNoise, fillRandomKQuantBlocks } from "./randomKQuantBlocks";
import { createPhi2Writer, type Phi2Shape } from "./tinyPhi2";

/** microsoft/phi-2: 2.7B parameters. */
export const PHI2_SHAPE: Phi2Shape = {
    vocabSize: PHI2_VOCAB_SIZE,
    embedding: 2560,
    layers: 32,
    heads: 32,
    headDim: 80,
    feedForward: 10240,
    ropeDims: 32,
    ropeFreqBase: 10000,
    contextLength: 2048,
    layerNormEpsilon: 1e-5,
};

/** llama_ftype LLAMA_FTYPE_MOSTLY_Q4_K_M. */
const FILE_TYPE_Q4_K_M = 15;
/** Weights ~N(0, 0.02) like a freshly initialised transformer: activations stay finite through 32 blocks. */
const WEIGHT_STD = 0.02;
/** Keeps <|endoftext|> and padding ids from winning, so the model writes text until a stop rule. */
const SUPPRESSED_TOKEN_BIAS = -100;
/** GPT-2's "\n" token. */
const NEWLINE_TOKEN = 198;
/**
 * Logit bias of "\n", in standard deviations of the random logits (WEIGHT_STD x sqrt(n_embd): ~1
 * for Phi-2). Their maximum over 51,200 ids is ~4.4 deviations, so 3 makes greedy decoding end a
 * line every few to tens of tokens, as code does. Without it a random model never ends a line and
 * every single-line request runs to its token cap.
 */
export const NEWLINE_BIAS = 3.0;

/**
 * llama-quantize's Q4_K_M choice per tensor for the phi2 architecture (llama-quant.cpp,
 * llama_tensor_get_type_impl): output Q6_K; attn_qkv Q5_K; ffn_down Q6_K in the "more bits"
 * layers, else Q4_K; everything else Q4_K; 1-d tensors stay f32.
 */
export function q4KMBlockType(tensor: "token_embd" | "output" | "attn_qkv" | "attn_output" | "ffn_up" | "ffn_down", layer: number, layers: number): GgmlBlockTypeName {
    if (tensor === "output") return "q6_K";
    if (tensor === "attn_qkv") return "q5_K";
    if (tensor === "ffn_down" && usesMoreBits(layer, layers)) return "q6_K";
    return "q4_K";
}

/** llama-quant.cpp's use_more_bits: the first and last eighth of the layers and every third between. */
export function usesMoreBits(layer: number, layers: number): boolean {
    const eighth = Math.floor(layers / 8);
    return layer < eighth || layer >= Math.floor((7 * layers) / 8) || (layer - eighth) % 3 === 2;
}

/** The writer for a Phi-2-shaped Q4_K_M model (tensor bytes are made as the file is written). */
export function createPhi2ShapedWriter(seed: number, shape: Phi2Shape = PHI2_SHAPE): GgufWriter {
    const { embedding: e, vocabSize: v, feedForward: f, layers } = shape;
    const writer = createPhi2Writer(shape, "phi2-shaped-random-Q4_K_M", FILE_TYPE_Q4_K_M);
    const noise = new ByteNoise(seed);
    const blocks = (name: string, dims: [number, number], type: GgmlBlockTypeName): void => {
        writer.addTensor({ name, dims, type, fillBlocks: (target) => fillRandomKQuantBlocks(type, target, WEIGHT_STD, noise) });
    };
    const vector = (name: string, length: number, value: number): void => {
        writer.addTensor({ name, dims: [length], type: "f32", data: new Float32Array(length).fill(value) });
    };
    const outputBias = new Float32Array(v);
    outputBias[NEWLINE_TOKEN] = NEWLINE_BIAS * WEIGHT_STD * Math.sqrt(e);
    outputBias[END_OF_TEXT_TOKEN] = SUPPRESSED_TOKEN_BIAS;
    outputBias.fill(SUPPRESSED_TOKEN_BIAS, FIRST_PADDING_TOKEN, v);

    blocks("token_embd.weight", [e, v], q4KMBlockType("token_embd", 0, layers));
    vector("output_norm.weight", e, 1);
    vector("output_norm.bias", e, 0);
    blocks("output.weight", [e, v], q4KMBlockType("output", 0, layers));
    writer.addTensor({ name: "output.bias", dims: [v], type: "f32", data: outputBias });
    for (let layer = 0; layer < layers; layer++) {
        const prefix = `blk.${layer}`;
        vector(`${prefix}.attn_norm.weight`, e, 1);
        vector(`${prefix}.attn_norm.bias`, e, 0);
        blocks(`${prefix}.attn_qkv.weight`, [e, 3 * e], q4KMBlockType("attn_qkv", layer, layers));
        vector(`${prefix}.attn_qkv.bias`, 3 * e, 0);
        blocks(`${prefix}.attn_output.weight`, [e, e], q4KMBlockType("attn_output", layer, layers));
        vector(`${prefix}.attn_output.bias`, e, 0);
        blocks(`${prefix}.ffn_up.weight`, [e, f], q4KMBlockType("ffn_up", layer, layers));
        vector(`${prefix}.ffn_up.bias`, f, 0);
        blocks(`${prefix}.ffn_down.weight`, [f, e], q4KMBlockType("ffn_down", layer, layers));
        vector(`${prefix}.ffn_down.bias`, e, 0);
    }
    return writer;
}
