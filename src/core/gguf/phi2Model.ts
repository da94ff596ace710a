// What llama.cpp's `phi2` loader needs from a GGUF header, checked before it sees the file: the
// hyper-parameters within sane ranges (values that make llama.cpp assert, or decode forever, are
// refused here), the GPT-2 tokenizer, and every tensor with the shape and a type the architecture
// implies. The ranges are far wider than Phi-2's own values (32 blocks, 2560 wide, 32 heads of 80,
// 32 rotary dims, vocabulary 51,200), so fine-tunes and smaller models of the architecture pass.
import { GGML_TYPE_F32 } from "./ggmlTypes";
import { GgufType, readGgufHeader, typeName, type GgufByteSource, type GgufHeader, type GgufMetadataValue, type GgufTensorInfo } from "./ggufHeader";

export const PHI2_ARCHITECTURE = "phi2";

/** Why a well-formed GGUF cannot be used: another architecture, or values no Phi-2 can have. */
export class Phi2ModelError extends Error {
    constructor(
        readonly kind: "wrongArchitecture" | "invalid",
        message: string,
    ) {
        super(message);
        this.name = "Phi2ModelError";
    }
}

export interface Phi2Hyperparameters {
    readonly contextLength: number;
    readonly embedding: number;
    readonly blocks: number;
    readonly heads: number;
    readonly headsKv: number;
    readonly headDim: number;
    readonly feedForward: number;
    readonly ropeDims: number;
    readonly layerNormEpsilon: number;
}

export interface Phi2Model {
    readonly architecture: typeof PHI2_ARCHITECTURE;
    readonly hyperparameters: Phi2Hyperparameters;
    /** The vocabulary pieces and their token types (for exact detokenization). */
    readonly tokens: readonly string[];
    readonly tokenTypes: readonly number[] | undefined;
}

/** Arrays the checks read in full; the reader skips the others. */
export const PHI2_ARRAYS: ReadonlySet<string> = new Set(["tokenizer.ggml.tokens", "tokenizer.ggml.token_type"]);

/** Bounds no real model of the architecture comes near, small enough to keep llama.cpp's arithmetic sane. */
const LIMITS = {
    contextLength: 1 << 20,
    embedding: 1 << 16,
    blocks: 1024,
    heads: 1024,
    feedForward: 1 << 18,
    vocabulary: 1 << 20,
} as const;

/**
 * Reads and checks a Phi-2 GGUF's header. Throws GgufFormatError (not a well-formed GGUF) or
 * Phi2ModelError (another architecture, or values llama.cpp cannot run); reads only the header.
 */
export async function readPhi2Model(source: GgufByteSource): Promise<Phi2Model> {
    return checkPhi2Model(await readGgufHeader(source, { keepArrays: PHI2_ARRAYS }));
}

export function checkPhi2Model(header: GgufHeader): Phi2Model {
    const metadata = header.metadata;
    const architecture = metadata.get("general.architecture");
    if (architecture === undefined) throw new Phi2ModelError("invalid", "it has no general.architecture entry");
    if (architecture.kind !== "scalar" || architecture.type !== GgufType.string) throw new Phi2ModelError("invalid", `its general.architecture is a ${typeName(architecture.type)}, not a name`);
    if (architecture.value !== PHI2_ARCHITECTURE) {
        throw new Phi2ModelError("wrongArchitecture", `it is a "${printable(String(architecture.value))}" model, not Phi-2 (architecture "phi2")`);
    }
    const hyperparameters = checkHyperparameters(metadata);
    const { tokens, tokenTypes } = checkTokenizer(metadata);
    checkTensors(header.tensors, hyperparameters, tokens.length);
    return { architecture: PHI2_ARCHITECTURE, hyperparameters, tokens, tokenTypes };
}

function checkHyperparameters(metadata: GgufHeader["metadata"]): Phi2Hyperparameters {
    const contextLength = requiredCount(metadata, "phi2.context_length", LIMITS.contextLength);
    const embedding = requiredCount(metadata, "phi2.embedding_length", LIMITS.embedding);
    const blocks = requiredCount(metadata, "phi2.block_count", LIMITS.blocks);
    const feedForward = requiredCount(metadata, "phi2.feed_forward_length", LIMITS.feedForward);
    const heads = requiredCount(metadata, "phi2.attention.head_count", LIMITS.heads);
    if (embedding % heads !== 0) throw invalid(`phi2.embedding_length ${embedding} is not a multiple of phi2.attention.head_count ${heads}`);
    const headDim = embedding / heads;
    const headsKv = metadata.has("phi2.attention.head_count_kv") ? requiredCount(metadata, "phi2.attention.head_count_kv", heads) : heads;
    if (heads % headsKv !== 0) throw invalid(`phi2.attention.head_count ${heads} is not a multiple of phi2.attention.head_count_kv ${headsKv}`);
    const ropeDims = metadata.has("phi2.rope.dimension_count") ? requiredCount(metadata, "phi2.rope.dimension_count", headDim) : headDim;
    if (ropeDims % 2 !== 0) throw invalid(`phi2.rope.dimension_count is ${ropeDims}; rotary dimensions come in pairs, so it must be even`);
    const layerNormEpsilon = requiredFloat(metadata, "phi2.attention.layer_norm_epsilon");
    if (!(layerNormEpsilon > 0 && layerNormEpsilon < 1)) throw invalid(`phi2.attention.layer_norm_epsilon is ${layerNormEpsilon}; it must be a small positive number (Phi-2 uses 1e-5)`);
    const ropeBase = metadata.get("phi2.rope.freq_base");
    if (ropeBase !== undefined) {
        const base = requiredFloat(metadata, "phi2.rope.freq_base");
        if (!(base > 1)) throw invalid(`phi2.rope.freq_base is ${base}; it must be a finite number above 1 (Phi-2 uses 10000)`);
    }
    return { contextLength, embedding, blocks, heads, headsKv, headDim, feedForward, ropeDims, layerNormEpsilon };
}

function checkTokenizer(metadata: GgufHeader["metadata"]): { tokens: string[]; tokenTypes: number[] | undefined } {
    const model = metadata.get("tokenizer.ggml.model");
    if (model === undefined) throw invalid("it has no tokenizer (tokenizer.ggml.model)");
    if (model.kind !== "scalar" || model.type !== GgufType.string || model.value !== "gpt2") {
        const found = model.kind === "scalar" && model.type === GgufType.string ? `"${printable(String(model.value))}"` : `a ${typeName(model.type)}`;
        throw invalid(`its tokenizer is ${found}; Phi-2 uses the GPT-2 tokenizer ("gpt2")`);
    }
    const tokens = stringArray(metadata, "tokenizer.ggml.tokens");
    if (tokens.length === 0 || tokens.length > LIMITS.vocabulary) throw invalid(`its vocabulary has ${tokens.length} tokens`);
    requireUniqueTokens(tokens);
    const merges = metadata.get("tokenizer.ggml.merges");
    if (merges === undefined || merges.kind !== "array" || merges.itemType !== GgufType.string) {
        throw invalid("it has no list of GPT-2 merges (tokenizer.ggml.merges)");
    }
    let tokenTypes: number[] | undefined;
    const types = metadata.get("tokenizer.ggml.token_type");
    if (types !== undefined) {
        if (types.kind !== "array" || types.itemType !== GgufType.int32 || types.values === undefined) {
            throw invalid("tokenizer.ggml.token_type must be an array of int32");
        }
        if (types.length !== tokens.length) throw invalid(`tokenizer.ggml.token_type has ${types.length} entries for ${tokens.length} tokens`);
        tokenTypes = types.values as number[];
    }
    for (const [key, value] of metadata) {
        if (!/^tokenizer\.ggml\.\w+_token_id$/.test(key)) continue;
        if (value.kind !== "scalar" || (value.type !== GgufType.uint32 && value.type !== GgufType.int32)) throw invalid(`${key} must be an integer`);
        const id = Number(value.value);
        // -1 is how some converters write "none".
        if (id !== -1 && (id < 0 || id >= tokens.length)) throw invalid(`${key} is ${id}, outside the vocabulary of ${tokens.length} tokens`);
    }
    return { tokens, tokenTypes };
}

/** llama.cpp asserts (and aborts the process) when two tokens have the same text. */
function requireUniqueTokens(tokens: readonly string[]): void {
    const seen = new Set<string>();
    for (const [id, token] of tokens.entries()) {
        if (seen.has(token)) throw invalid(`its vocabulary has the token "${printable(token)}" twice (again as id ${id})`);
        seen.add(token);
    }
}

/** The tensors llama.cpp's phi2 loader creates, with their ggml shapes. */
function expectedTensors(h: Phi2Hyperparameters, vocabulary: number, fusedQkv: boolean): Map<string, readonly number[]> {
    const { embedding: e, feedForward: f } = h;
    const kv = h.headDim * h.headsKv;
    const expected = new Map<string, readonly number[]>([
        ["token_embd.weight", [e, vocabulary]],
        ["output_norm.weight", [e]],
        ["output_norm.bias", [e]],
        ["output.weight", [e, vocabulary]],
        ["output.bias", [vocabulary]],
    ]);
    for (let block = 0; block < h.blocks; block++) {
        const name = (tensor: string): string => `blk.${block}.${tensor}`;
        expected.set(name("attn_norm.weight"), [e]);
        expected.set(name("attn_norm.bias"), [e]);
        if (fusedQkv) {
            expected.set(name("attn_qkv.weight"), [e, e + 2 * kv]);
            expected.set(name("attn_qkv.bias"), [e + 2 * kv]);
        } else {
            for (const [part, width] of [["attn_q", e], ["attn_k", kv], ["attn_v", kv]] as const) {
                expected.set(name(`${part}.weight`), [e, width]);
                expected.set(name(`${part}.bias`), [width]);
            }
        }
        expected.set(name("attn_output.weight"), [e, e]);
        expected.set(name("attn_output.bias"), [e]);
        expected.set(name("ffn_up.weight"), [e, f]);
        expected.set(name("ffn_up.bias"), [f]);
        expected.set(name("ffn_down.weight"), [f, e]);
        expected.set(name("ffn_down.bias"), [e]);
    }
    return expected;
}

function checkTensors(tensors: readonly GgufTensorInfo[], h: Phi2Hyperparameters, vocabulary: number): void {
    const fusedQkv = tensors.some((tensor) => tensor.name === "blk.0.attn_qkv.weight");
    const expected = expectedTensors(h, vocabulary, fusedQkv);
    const seen = new Set<string>();
    for (const tensor of tensors) {
        const shape = expected.get(tensor.name);
        if (shape === undefined) throw invalid(`it has a tensor "${printable(tensor.name)}" that a Phi-2 model with ${h.blocks} blocks does not have`);
        if (!sameShape(tensor.dims, shape)) {
            throw invalid(`the tensor "${tensor.name}" has shape [${tensor.dims.join(", ")}]; the hyper-parameters make it [${shape.join(", ")}]`);
        }
        // Norms and biases stay f32 in every conversion and quantization of Phi-2.
        if (shape.length === 1 && tensor.typeId !== GGML_TYPE_F32) throw invalid(`the tensor "${tensor.name}" is ${tensor.type.name}; vectors must be F32`);
        seen.add(tensor.name);
    }
    for (const name of expected.keys()) {
        if (!seen.has(name)) throw invalid(`the tensor "${name}" is missing`);
    }
}

function sameShape(actual: readonly number[], expected: readonly number[]): boolean {
    return actual.length === expected.length && actual.every((size, index) => size === expected[index]);
}

function requiredCount(metadata: GgufHeader["metadata"], key: string, maximum: number): number {
    const entry = metadata.get(key);
    if (entry === undefined) throw invalid(`it has no ${key}`);
    if (entry.kind !== "scalar" || entry.type !== GgufType.uint32) throw invalid(`${key} must be a uint32 (it is a ${typeName(entry.type)})`);
    const value = Number(entry.value);
    if (value < 1 || value > maximum) throw invalid(`${key} is ${value}; it must be between 1 and ${maximum}`);
    return value;
}

function requiredFloat(metadata: GgufHeader["metadata"], key: string): number {
    const entry = metadata.get(key);
    if (entry === undefined) throw invalid(`it has no ${key}`);
    if (entry.kind !== "scalar" || entry.type !== GgufType.float32) throw invalid(`${key} must be a float32 (it is a ${typeName(entry.type)})`);
    const value = Number(entry.value);
    if (!Number.isFinite(value)) throw invalid(`${key} is ${value}, not a finite number`);
    return value;
}

function stringArray(metadata: GgufHeader["metadata"], key: string): string[] {
    const entry: GgufMetadataValue | undefined = metadata.get(key);
    if (entry === undefined) throw invalid(`it has no ${key}`);
    if (entry.kind !== "array" || entry.itemType !== GgufType.string || entry.values === undefined) throw invalid(`${key} must be an array of strings`);
    return entry.values as string[];
}

function invalid(message: string): Phi2ModelError {
    return new Phi2ModelError("invalid", message);
}

/** Names from the file, shortened and without control characters, for a message. */
function printable(text: string): string {
    const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
    return clean.length > 80 ? `${clean.slice(0, 80)}...` : clean;
}
