// A tiny model of llama.cpp's `phi2` architecture: hyperparameters, weight layout and the GGUF
// file around them (Phi-2 tokenizer included). Weight values come from randomPhi2.ts / scriptedPhi2.ts.
import type { GgmlTypeName } from "./ggufFormat";
import { GgufWriter } from "./GgufWriter";
import { END_OF_TEXT_TOKEN, loadPhi2Vocabulary, PHI2_VOCAB_SIZE } from "./phi2Vocabulary";

/** The hyperparameters of a `phi2` GGUF. */
export interface Phi2Shape {
    readonly vocabSize: number;
    readonly embedding: number;
    readonly layers: number;
    readonly heads: number;
    readonly headDim: number;
    readonly feedForward: number;
    readonly ropeDims: number;
    readonly ropeFreqBase: number;
    readonly contextLength: number;
    readonly layerNormEpsilon: number;
}

export const TINY_PHI2: Phi2Shape = {
    vocabSize: PHI2_VOCAB_SIZE,
    embedding: 64,
    layers: 2,
    heads: 4,
    headDim: 16,
    feedForward: 256,
    ropeDims: 8,
    ropeFreqBase: 10000,
    contextLength: 2048,
    layerNormEpsilon: 1e-5,
} as const;

/**
 * Matrices are row-major in ggml order: a tensor with ggml dims [in, out] is `out` rows of `in`
 * values, and computes out[r] = row r . input (so row v of output.weight scores token v).
 */
export interface Phi2LayerWeights {
    attnNormWeight: Float32Array; // [E]
    attnNormBias: Float32Array; // [E]
    attnQkvWeight: Float32Array; // [E, 3E]: rows 0..E-1 = Q, E..2E-1 = K, 2E..3E-1 = V; head h = 16 rows each
    attnQkvBias: Float32Array; // [3E]
    attnOutputWeight: Float32Array; // [E, E]
    attnOutputBias: Float32Array; // [E]
    ffnUpWeight: Float32Array; // [E, F]
    ffnUpBias: Float32Array; // [F]
    ffnDownWeight: Float32Array; // [F, E]
    ffnDownBias: Float32Array; // [E]
}

export interface Phi2Weights {
    tokenEmbedding: Float32Array; // [E, V]: row v = embedding of token v
    outputNormWeight: Float32Array; // [E]
    outputNormBias: Float32Array; // [E]
    outputWeight: Float32Array; // [E, V]
    outputBias: Float32Array; // [V]
    layers: Phi2LayerWeights[];
}

/** All-zero weights with layer norms set to identity (weight 1, bias 0). */
export function createNeutralPhi2Weights(): Phi2Weights {
    const { embedding: e, vocabSize: v, feedForward: f, layers } = TINY_PHI2;
    const ones = (): Float32Array => new Float32Array(e).fill(1);
    return {
        tokenEmbedding: new Float32Array(e * v),
        outputNormWeight: ones(),
        outputNormBias: new Float32Array(e),
        outputWeight: new Float32Array(e * v),
        outputBias: new Float32Array(v),
        layers: Array.from({ length: layers }, () => ({
            attnNormWeight: ones(),
            attnNormBias: new Float32Array(e),
            attnQkvWeight: new Float32Array(e * 3 * e),
            attnQkvBias: new Float32Array(3 * e),
            attnOutputWeight: new Float32Array(e * e),
            attnOutputBias: new Float32Array(e),
            ffnUpWeight: new Float32Array(e * f),
            ffnUpBias: new Float32Array(f),
            ffnDownWeight: new Float32Array(f * e),
            ffnDownBias: new Float32Array(e),
        })),
    };
}

export interface TinyPhi2FileOptions {
    /** `general.name` */
    readonly name: string;
    /** Element type of the two big matrices (token_embd, output); everything else is f32. */
    readonly embeddingType: GgmlTypeName;
    readonly outputType: GgmlTypeName;
    /** `general.description`, when given. */
    readonly description?: string;
    /** Element type of the blocks' matrices (default f32); norms and biases are always f32. */
    readonly layerType?: GgmlTypeName;
    /** Hyperparameters of the weights (default TINY_PHI2). */
    readonly shape?: Phi2Shape;
}

export function buildTinyPhi2Gguf(weights: Phi2Weights, options: TinyPhi2FileOptions): Buffer {
    const shape = options.shape ?? TINY_PHI2;
    const layerType = options.layerType ?? "f32";
    const { embedding: e, vocabSize: v, feedForward: f } = shape;
    const allF32 = options.embeddingType === "f32" && options.outputType === "f32" && layerType === "f32";
    const writer = createPhi2Writer(shape, options.name, allF32 ? 0 : 1);
    if (options.description !== undefined) writer.setString("general.description", options.description);
    writer.addTensor({ name: "token_embd.weight", dims: [e, v], type: options.embeddingType, data: weights.tokenEmbedding });
    writer.addTensor({ name: "output_norm.weight", dims: [e], type: "f32", data: weights.outputNormWeight });
    writer.addTensor({ name: "output_norm.bias", dims: [e], type: "f32", data: weights.outputNormBias });
    writer.addTensor({ name: "output.weight", dims: [e, v], type: options.outputType, data: weights.outputWeight });
    writer.addTensor({ name: "output.bias", dims: [v], type: "f32", data: weights.outputBias });
    weights.layers.forEach((layer, index) => {
        const prefix = `blk.${index}`;
        writer.addTensor({ name: `${prefix}.attn_norm.weight`, dims: [e], type: "f32", data: layer.attnNormWeight });
        writer.addTensor({ name: `${prefix}.attn_norm.bias`, dims: [e], type: "f32", data: layer.attnNormBias });
        writer.addTensor({ name: `${prefix}.attn_qkv.weight`, dims: [e, 3 * e], type: layerType, data: layer.attnQkvWeight });
        writer.addTensor({ name: `${prefix}.attn_qkv.bias`, dims: [3 * e], type: "f32", data: layer.attnQkvBias });
        writer.addTensor({ name: `${prefix}.attn_output.weight`, dims: [e, e], type: layerType, data: layer.attnOutputWeight });
        writer.addTensor({ name: `${prefix}.attn_output.bias`, dims: [e], type: "f32", data: layer.attnOutputBias });
        writer.addTensor({ name: `${prefix}.ffn_up.weight`, dims: [e, f], type: layerType, data: layer.ffnUpWeight });
        writer.addTensor({ name: `${prefix}.ffn_up.bias`, dims: [f], type: "f32", data: layer.ffnUpBias });
        writer.addTensor({ name: `${prefix}.ffn_down.weight`, dims: [f, e], type: layerType, data: layer.ffnDownWeight });
        writer.addTensor({ name: `${prefix}.ffn_down.bias`, dims: [e], type: "f32", data: layer.ffnDownBias });
    });
    return writer.toBuffer();
}

/**
 * A GGUF writer holding a `phi2` model's metadata and the real Phi-2 tokenizer; the caller adds
 * the tensors. `fileType` is `general.file_type` (llama_ftype: 0 all f32, 1 mostly f16, 15 Q4_K_M).
 */
export function createPhi2Writer(shape: Phi2Shape, name: string, fileType: number): GgufWriter {
    const vocabulary = loadPhi2Vocabulary();
    return new GgufWriter()
        .setString("general.architecture", "phi2")
        .setString("general.name", name)
        .setUint32("general.file_type", fileType)
        .setUint32("phi2.context_length", shape.contextLength)
        .setUint32("phi2.embedding_length", shape.embedding)
        .setUint32("phi2.feed_forward_length", shape.feedForward)
        .setUint32("phi2.block_count", shape.layers)
        .setUint32("phi2.attention.head_count", shape.heads)
        .setUint32("phi2.attention.head_count_kv", shape.heads)
        .setFloat32("phi2.attention.layer_norm_epsilon", shape.layerNormEpsilon)
        .setUint32("phi2.rope.dimension_count", shape.ropeDims)
        .setFloat32("phi2.rope.freq_base", shape.ropeFreqBase)
        .setString("tokenizer.ggml.model", "gpt2")
        .setString("tokenizer.ggml.pre", "phi-2")
        .setStringArray("tokenizer.ggml.tokens", vocabulary.tokens)
        .setInt32Array("tokenizer.ggml.token_type", vocabulary.tokenTypes)
        .setStringArray("tokenizer.ggml.merges", vocabulary.merges)
        .setUint32("tokenizer.ggml.bos_token_id", END_OF_TEXT_TOKEN)
        .setUint32("tokenizer.ggml.eos_token_id", END_OF_TEXT_TOKEN)
        .setUint32("tokenizer.ggml.unknown_token_id", END_OF_TEXT_TOKEN)
        .setBool("tokenizer.ggml.add_bos_token", false);
}
