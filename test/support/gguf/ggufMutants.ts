// Hostile variants of a valid tiny Phi-2 GGUF, for the fuzz test and the validation unit tests:
// truncations, bit flips in the header, huge counts and lengths, wrong value and element types,
// out-of-range hyper-parameters, another architecture or tokenizer, zero tensors. A mutant is a set
// of byte patches over the original (or a shorter length), so a thousand of them cost no copies.
import type { GgufByteSource } from "../../../src/core/gguf/ggufHeader";
import { SeededRandom } from "../../../src/bench/seededRandom";

export interface Patch {
    readonly offset: number;
    readonly bytes: Uint8Array;
}

export interface Mutant {
    readonly label: string;
    /** Bytes of the original kept (truncation); the whole file when absent. */
    readonly length?: number;
    readonly patches: readonly Patch[];
}

const u32 = (value: number): Uint8Array => {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, value >>> 0, true);
    return bytes;
};
const u64 = (value: bigint): Uint8Array => {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, value, true);
    return bytes;
};
const f32 = (value: number): Uint8Array => {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    return bytes;
};
const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Where the fields of a GGUF written by GgufWriter are, found by searching for keys and names. */
export class GgufFieldMap {
    constructor(private readonly file: Uint8Array) {}

    private find(needle: Uint8Array, from = 0): number {
        const at = Buffer.from(this.file.buffer, this.file.byteOffset, this.file.byteLength).indexOf(needle, from);
        if (at < 0) throw new Error(`not found in the GGUF: ${new TextDecoder().decode(needle)}`);
        return at;
    }

    /** Offset of the value type tag of `key` (the value follows it). */
    valueTypeAt(key: string): number {
        const keyBytes = ascii(key);
        const lengthPrefixed = new Uint8Array(8 + keyBytes.length);
        lengthPrefixed.set(u64(BigInt(keyBytes.length)));
        lengthPrefixed.set(keyBytes, 8);
        return this.find(lengthPrefixed) + lengthPrefixed.length;
    }

    /** Offset of the u64 length of a tensor's name in its tensor info. */
    tensorInfoAt(name: string): number {
        const nameBytes = ascii(name);
        const lengthPrefixed = new Uint8Array(8 + nameBytes.length);
        lengthPrefixed.set(u64(BigInt(nameBytes.length)));
        lengthPrefixed.set(nameBytes, 8);
        return this.find(lengthPrefixed);
    }

    /** A field of a tensor's info, which is: name length, name, n_dims, dims (u64 each), type, offset. */
    tensorField(name: string, field: "nameLength" | "dimCount" | "dim0" | "dim1" | "type" | "offset", dimCount = 2): number {
        const at = this.tensorInfoAt(name);
        const afterName = at + 8 + ascii(name).length;
        switch (field) {
            case "nameLength": return at;
            case "dimCount": return afterName;
            case "dim0": return afterName + 4;
            case "dim1": return afterName + 12;
            case "type": return afterName + 4 + 8 * dimCount;
            case "offset": return afterName + 8 + 8 * dimCount;
        }
    }
}

/** The named cases of the issue and their neighbours: each says what it breaks. */
export function targetedMutants(file: Uint8Array): Mutant[] {
    const map = new GgufFieldMap(file);
    const mutants: Mutant[] = [];
    const add = (label: string, ...patches: Patch[]): void => void mutants.push({ label, patches });
    const value = (key: string): number => map.valueTypeAt(key) + 4;

    for (const version of [0, 1, 4, 0xffffffff]) add(`version ${version}`, { offset: 4, bytes: u32(version) });
    add("magic GGML", { offset: 0, bytes: ascii("GGML") });
    for (const count of [0n, 1n, 2n ** 31n, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n]) {
        add(`tensor count ${count}`, { offset: 8, bytes: u64(count) });
        add(`metadata count ${count}`, { offset: 16, bytes: u64(count) });
    }
    const counts: Record<string, readonly number[]> = {
        "phi2.block_count": [0, 1, 3, 1_000_000, 0xffffffff],
        "phi2.embedding_length": [0, 1, 63, 65, 128, 0xffffffff],
        "phi2.feed_forward_length": [0, 1, 255, 2 ** 31],
        "phi2.attention.head_count": [0, 3, 5, 64, 0xffffffff],
        "phi2.attention.head_count_kv": [0, 3, 8, 2 ** 31],
        "phi2.rope.dimension_count": [0, 1, 7, 18, 1000, 0xffffffff],
        "phi2.context_length": [0, 2 ** 31, 0xffffffff],
    };
    for (const [key, values] of Object.entries(counts)) {
        for (const count of values) add(`${key} = ${count}`, { offset: value(key), bytes: u32(count) });
        // Wrong value types: the 4 value bytes then read as another type, or an unknown type.
        for (const type of [0, 5, 6, 8, 9, 10, 13, 0xffffffff]) add(`${key} has value type ${type}`, { offset: map.valueTypeAt(key), bytes: u32(type) });
    }
    for (const epsilon of [Number.NaN, Number.POSITIVE_INFINITY, -1e-5, 0, 2]) {
        add(`layer_norm_epsilon = ${epsilon}`, { offset: value("phi2.attention.layer_norm_epsilon"), bytes: f32(epsilon) });
    }
    for (const architecture of ["phi3", "gpt2", "llam", "\u001b[31"]) add(`architecture "${architecture}"`, { offset: value("general.architecture") + 8, bytes: ascii(architecture) });
    for (const tokenizer of ["llam", "bert", "gpt\u0000"]) add(`tokenizer model "${tokenizer}"`, { offset: value("tokenizer.ggml.model") + 8, bytes: ascii(tokenizer) });
    for (const length of [0n, 3n, 2n ** 31n, 2n ** 32n, 2n ** 63n]) {
        add(`architecture string length ${length}`, { offset: value("general.architecture"), bytes: u64(length) });
    }
    for (const key of ["tokenizer.ggml.tokens", "tokenizer.ggml.token_type", "tokenizer.ggml.merges"]) {
        const itemTypeAt = value(key);
        const lengthAt = itemTypeAt + 4;
        for (const length of [0n, 1n, 51_199n, 51_201n, 2n ** 31n, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n]) add(`${key} length ${length}`, { offset: lengthAt, bytes: u64(length) });
        for (const type of [0, 4, 6, 7, 8, 9, 11, 13, 0xffffffff]) add(`${key} item type ${type}`, { offset: itemTypeAt, bytes: u32(type) });
    }
    const tokensStart = value("tokenizer.ggml.tokens") + 12;
    for (const length of [0n, 2n ** 31n, 2n ** 63n]) add(`first token string length ${length}`, { offset: tokensStart, bytes: u64(length) });
    for (const key of ["tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id"]) {
        for (const id of [51_200, 0xffffffff]) add(`${key} = ${id}`, { offset: value(key), bytes: u32(id) });
    }

    for (const tensor of ["token_embd.weight", "blk.0.attn_qkv.weight", "blk.1.ffn_down.weight", "output.weight"]) {
        for (const length of [0n, 64n, 1000n, 2n ** 31n, 2n ** 63n]) add(`${tensor} name length ${length}`, { offset: map.tensorField(tensor, "nameLength"), bytes: u64(length) });
        for (const dims of [0, 1, 3, 5, 2 ** 31]) add(`${tensor} has ${dims} dims`, { offset: map.tensorField(tensor, "dimCount"), bytes: u32(dims) });
        for (const size of [0n, 1n, 63n, 65n, 2n ** 40n, 2n ** 63n]) {
            add(`${tensor} dim0 = ${size}`, { offset: map.tensorField(tensor, "dim0"), bytes: u64(size) });
            add(`${tensor} dim1 = ${size}`, { offset: map.tensorField(tensor, "dim1"), bytes: u64(size) });
        }
        for (const type of [1, 2, 4, 8, 12, 15, 24, 31, 39, 40, 1000, 0xffffffff]) add(`${tensor} element type ${type}`, { offset: map.tensorField(tensor, "type"), bytes: u32(type) });
        for (const delta of [1n, 32n, 2n ** 40n, 2n ** 63n]) add(`${tensor} offset + ${delta}`, { offset: map.tensorField(tensor, "offset"), bytes: u64(readU64(file, map.tensorField(tensor, "offset")) + delta) });
    }
    // Same size, so the data layout still adds up: only the shape is wrong.
    add("blk.0.ffn_up.weight dims swapped", { offset: map.tensorField("blk.0.ffn_up.weight", "dim0"), bytes: u64(256n) }, { offset: map.tensorField("blk.0.ffn_up.weight", "dim1"), bytes: u64(64n) });
    for (const tensor of ["output_norm.bias", "blk.0.attn_norm.weight"]) {
        for (const type of [1, 2, 8]) add(`${tensor} (a vector) element type ${type}`, { offset: map.tensorField(tensor, "type", 1), bytes: u32(type) });
    }
    return mutants;
}

/** Truncations at every offset of the fixed header, then spread over the file (data included). */
export function truncationMutants(file: Uint8Array, count: number, seed: number): Mutant[] {
    const random = new SeededRandom(seed);
    const mutants: Mutant[] = [];
    for (let length = 0; length < 64; length++) mutants.push({ label: `truncated to ${length} bytes`, length, patches: [] });
    for (let index = mutants.length; index < count; index++) {
        const length = Math.floor(random.next() * file.length);
        mutants.push({ label: `truncated to ${length} bytes`, length, patches: [] });
    }
    mutants.push({ label: "last byte missing", length: file.length - 1, patches: [] });
    return mutants;
}

/** Random single-bit flips in the header (up to `headerBytes`). */
export function bitFlipMutants(file: Uint8Array, headerBytes: number, count: number, seed: number): Mutant[] {
    const random = new SeededRandom(seed);
    const mutants: Mutant[] = [];
    for (let index = 0; index < count; index++) {
        const offset = Math.floor(random.next() * headerBytes);
        const bit = Math.floor(random.next() * 8);
        mutants.push({ label: `bit ${bit} of byte ${offset} flipped`, patches: [{ offset, bytes: Uint8Array.of(file[offset]! ^ (1 << bit)) }] });
    }
    return mutants;
}

function readU64(file: Uint8Array, offset: number): bigint {
    return new DataView(file.buffer, file.byteOffset + offset, 8).getBigUint64(0, true);
}

/** The mutant as a byte source over the original, without copying it. */
export function mutantSource(file: Uint8Array, mutant: Mutant): GgufByteSource {
    const size = mutant.length ?? file.length;
    return {
        size,
        async read(offset, length) {
            const end = Math.min(size, offset + length);
            const bytes = file.slice(offset, end);
            for (const patch of mutant.patches) {
                for (let index = 0; index < patch.bytes.length; index++) {
                    const at = patch.offset + index - offset;
                    if (at >= 0 && at < bytes.length) bytes[at] = patch.bytes[index]!;
                }
            }
            return bytes;
        },
    };
}

/** The mutant's bytes, for writing it to a file. */
export function mutantBytes(file: Uint8Array, mutant: Mutant): Uint8Array {
    const bytes = file.slice(0, mutant.length ?? file.length);
    for (const patch of mutant.patches) {
        for (let index = 0; index < patch.bytes.length && patch.offset + index < bytes.length; index++) bytes[patch.offset + index] = patch.bytes[index]!;
    }
    return bytes;
}
