// Step 3 of the pocket recipe: turns the weight dump of train_pocket.py (weights.f32 + manifest.json)
// into a phi2 GGUF with the project's GGUF writer and the real Phi-2 tokenizer, the same file layout
// as the tiny test models, so llama.cpp loads it through the same code path as Phi-2.
//
// Training used a compact vocabulary (only the ids found in the corpus); here every compact row goes
// back to its Phi-2 id. Ids the corpus never has get zero rows (git stores them small) and a large
// negative output bias, so the model never writes them.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { PHI2_VOCAB_SIZE } from "../gguf/phi2Vocabulary";
import { buildTinyPhi2Gguf, type Phi2LayerWeights, type Phi2Shape, type Phi2Weights } from "../gguf/tinyPhi2";

/** Output bias of ids that never occur in the corpus: far below any trained logit. */
const UNUSED_TOKEN_BIAS = -100;

export interface PocketManifest {
    readonly recipeVersion: number;
    readonly config: {
        readonly n_embd: number;
        readonly n_layer: number;
        readonly n_head: number;
        readonly rope_dims: number;
        readonly n_ff: number;
        readonly context: number;
        readonly rope_base: number;
        readonly layer_norm_eps: number;
        readonly [key: string]: unknown;
    };
    /** Phi-2 id of each compact row, ascending. */
    readonly usedIds: readonly number[];
    readonly tensors: readonly { readonly name: string; readonly shape: readonly number[]; readonly offset: number }[];
    readonly step: number;
    readonly trainedSeconds: number;
    readonly final?: Record<string, number>;
    /** A held-out window (Phi-2 ids) and PyTorch's mean loss on it, for the llama.cpp check. */
    readonly check?: { readonly tokens: readonly number[]; readonly meanLoss: number };
}

export function pocketShape(manifest: PocketManifest): Phi2Shape {
    const c = manifest.config;
    return {
        vocabSize: PHI2_VOCAB_SIZE,
        embedding: c.n_embd,
        layers: c.n_layer,
        heads: c.n_head,
        headDim: c.n_embd / c.n_head,
        feedForward: c.n_ff,
        ropeDims: c.rope_dims,
        ropeFreqBase: c.rope_base,
        contextLength: c.context,
        layerNormEpsilon: c.layer_norm_eps,
    };
}

type TensorLookup = (name: string, shape: readonly number[]) => Float32Array;

function tensorLookup(manifest: PocketManifest, raw: Buffer): TensorLookup {
    const byName = new Map(manifest.tensors.map((tensor) => [tensor.name, tensor]));
    return (name, shape) => {
        const tensor = byName.get(name);
        if (!tensor) throw new Error(`manifest.json has no tensor "${name}"`);
        if (tensor.shape.join("x") !== shape.join("x")) throw new Error(`Tensor "${name}" is ${tensor.shape.join("x")}, expected ${shape.join("x")}`);
        const count = shape.reduce((product, dim) => product * dim, 1);
        return new Float32Array(raw.buffer.slice(raw.byteOffset + tensor.offset, raw.byteOffset + tensor.offset + count * 4));
    };
}

/** Rows of a compact [used, width] matrix placed at their Phi-2 ids in a zeroed [vocab, width] one. */
function scatterRows(compact: Float32Array, usedIds: readonly number[], width: number): Float32Array {
    const full = new Float32Array(PHI2_VOCAB_SIZE * width);
    usedIds.forEach((id, row) => full.set(compact.subarray(row * width, (row + 1) * width), id * width));
    return full;
}

function outputBias(compact: Float32Array, usedIds: readonly number[]): Float32Array {
    const full = new Float32Array(PHI2_VOCAB_SIZE).fill(UNUSED_TOKEN_BIAS);
    usedIds.forEach((id, row) => { full[id] = compact[row]!; });
    return full;
}

function layerWeights(tensor: TensorLookup, index: number, e: number, f: number): Phi2LayerWeights {
    // torch's Linear weight [out, in] row-major is exactly ggml's [in, out]
    const p = `blocks.${index}`;
    return {
        attnNormWeight: tensor(`${p}.norm.weight`, [e]),
        attnNormBias: tensor(`${p}.norm.bias`, [e]),
        attnQkvWeight: tensor(`${p}.qkv.weight`, [3 * e, e]),
        attnQkvBias: tensor(`${p}.qkv.bias`, [3 * e]),
        attnOutputWeight: tensor(`${p}.attn_out.weight`, [e, e]),
        attnOutputBias: tensor(`${p}.attn_out.bias`, [e]),
        ffnUpWeight: tensor(`${p}.up.weight`, [f, e]),
        ffnUpBias: tensor(`${p}.up.bias`, [f]),
        ffnDownWeight: tensor(`${p}.down.weight`, [e, f]),
        ffnDownBias: tensor(`${p}.down.bias`, [e]),
    };
}

export async function readPocketManifest(dumpDirectory: string): Promise<PocketManifest> {
    return JSON.parse(await readFile(join(dumpDirectory, "manifest.json"), "utf8")) as PocketManifest;
}

/** The GGUF bytes of a weight dump (f16 matrices, f32 norms and biases). */
export async function buildPocketGguf(dumpDirectory: string): Promise<{ manifest: PocketManifest; gguf: Buffer }> {
    const manifest = await readPocketManifest(dumpDirectory);
    const raw = await readFile(join(dumpDirectory, "weights.f32"));
    const tensor = tensorLookup(manifest, raw);
    const shape = pocketShape(manifest);
    const { embedding: e, feedForward: f } = shape;
    const used = manifest.usedIds.length;
    const weights: Phi2Weights = {
        tokenEmbedding: scatterRows(tensor("embed.weight", [used, e]), manifest.usedIds, e),
        outputNormWeight: tensor("norm.weight", [e]),
        outputNormBias: tensor("norm.bias", [e]),
        outputWeight: scatterRows(tensor("output.weight", [used, e]), manifest.usedIds, e),
        outputBias: outputBias(tensor("output.bias", [used]), manifest.usedIds),
        layers: Array.from({ length: shape.layers }, (_, index) => layerWeights(tensor, index, e, f)),
    };
    const gguf = buildTinyPhi2Gguf(weights, {
        name: "pocket-phi2",
        description: "A small model of the phi2 architecture trained by phi2-complete on the CPython standard library. Not Microsoft's Phi-2.",
        embeddingType: "f16",
        outputType: "f16",
        layerType: "f16",
        shape,
    });
    return { manifest, gguf };
}
