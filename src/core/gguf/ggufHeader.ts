// Reads the header of a GGUF file (magic, version, metadata, tensor infos) with every read bounded
// by the file: no count, length or size is trusted beyond what the bytes left in the file can hold,
// so a hostile file costs at most its header's size in memory and time. The tensor data (and any
// trailing bytes) are never read. Format: ggml's docs/gguf.md (versions 2 and 3, little endian).
import { ggmlType, type GgmlTypeInfo } from "./ggmlTypes";

/** Random access to the file's bytes (a file handle, a buffer in tests). */
export interface GgufByteSource {
    readonly size: number;
    /** Up to `length` bytes at `offset` (fewer only at the end of the file). */
    read(offset: number, length: number): Promise<Uint8Array>;
}

/** The file is not a well-formed GGUF; the message says what is wrong, in a user's words. */
export class GgufFormatError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "GgufFormatError";
    }
}

/** Metadata value type ids (gguf_type). */
export const GgufType = {
    uint8: 0, int8: 1, uint16: 2, int16: 3, uint32: 4, int32: 5, float32: 6, bool: 7, string: 8, array: 9, uint64: 10, int64: 11, float64: 12,
} as const;

const TYPE_NAMES = Object.fromEntries(Object.entries(GgufType).map(([name, id]) => [id, name])) as Record<number, string>;
const FIXED_SIZES: Readonly<Record<number, number>> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

export type GgufScalar = number | bigint | boolean | string;

export type GgufMetadataValue =
    | { readonly kind: "scalar"; readonly type: number; readonly value: GgufScalar }
    /** `values` is kept only for keys the caller asked for (and short arrays); others are skipped. */
    | { readonly kind: "array"; readonly type: typeof GgufType.array; readonly itemType: number; readonly length: number; readonly values: readonly GgufScalar[] | undefined };

export interface GgufTensorInfo {
    readonly name: string;
    /** ggml order: dims[0] is the row length. */
    readonly dims: readonly number[];
    readonly type: GgmlTypeInfo;
    readonly typeId: number;
    /** Relative to the start of the data section. */
    readonly offset: number;
    readonly byteLength: number;
}

/** Where a GGUF file's parts are; shared with the tests' reader of the files their writer makes. */
export interface GgufLayout {
    readonly version: number;
    readonly alignment: number;
    /** Where the tensor data section starts in the file. */
    readonly dataOffset: number;
}

export interface GgufHeader extends GgufLayout {
    readonly metadata: ReadonlyMap<string, GgufMetadataValue>;
    readonly tensors: readonly GgufTensorInfo[];
    readonly fileSize: number;
}

export interface ReadGgufHeaderOptions {
    /** Array keys whose values are returned (e.g. the tokenizer's tokens); other long arrays are skipped. */
    readonly keepArrays?: ReadonlySet<string>;
    /** Most items a kept array may have (default MAX_KEPT_ARRAY_LENGTH). */
    readonly maxKeptArrayLength?: number;
}

/** Arrays at most this long are kept whatever their key (per-layer values and the like). */
const SHORT_ARRAY = 256;
/** GGUF keys are at most 65,535 bytes (gguf.md). */
const MAX_KEY_BYTES = 65_535;
/** ggml's GGML_MAX_NAME (64) counts the terminating NUL. */
const MAX_TENSOR_NAME_BYTES = 63;
const MAX_DIMS = 4;
/** Smallest encodings: a key-value (key length, 1-byte key, type, 1-byte value), a tensor info (name length, 1-byte name, n_dims, 1 dim, type, offset). */
const MIN_KV_BYTES = 8 + 1 + 4 + 1;
const MIN_TENSOR_INFO_BYTES = 8 + 1 + 4 + 8 + 4 + 8;
const READ_CHUNK_BYTES = 1 << 20;
/** Magic, version, tensor count, metadata count. */
const HEADER_BYTES = 4 + 4 + 8 + 8;
/** A kept array (a vocabulary) is materialized: a million items is twenty times Phi-2's, and bounds the memory. */
export const MAX_KEPT_ARRAY_LENGTH = 1 << 20;

const utf8 = new TextDecoder("utf-8");

/**
 * A forward-only cursor over the source that refuses to read past the end of the file. Reads are
 * synchronous on a buffer that `ensure` refills, so a 50,000-token vocabulary costs no promise per token.
 */
class BoundedCursor {
    offset = 0;
    private buffer: Uint8Array = new Uint8Array(0);
    private view = new DataView(this.buffer.buffer);
    private bufferStart = 0;

    constructor(private readonly source: GgufByteSource, private readonly where: () => string) {}

    get remaining(): number {
        return this.source.size - this.offset;
    }

    has(length: number): boolean {
        return this.offset - this.bufferStart + length <= this.buffer.length;
    }

    /** Makes the next `length` bytes readable; a file that ends before them is truncated. */
    async ensure(length: number): Promise<void> {
        if (this.has(length)) return;
        if (length > this.remaining) {
            throw new GgufFormatError(`the file ends after ${this.source.size} bytes, in the middle of ${this.where()} (it is truncated)`);
        }
        const buffer = await this.source.read(this.offset, Math.max(length, Math.min(READ_CHUNK_BYTES, this.remaining)));
        if (buffer.length < length) throw new GgufFormatError(`the file could not be read past byte ${this.offset + buffer.length}`);
        this.buffer = buffer;
        this.view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
        this.bufferStart = this.offset;
    }

    /** Index of the next `length` bytes in the buffer (after `ensure(length)`), advancing past them. */
    private take(length: number): number {
        if (!this.has(length)) throw new Error("BoundedCursor: read without ensure");
        const at = this.offset - this.bufferStart;
        this.offset += length;
        return at;
    }

    bytes(length: number): Uint8Array {
        const at = this.take(length);
        return this.buffer.subarray(at, at + length);
    }

    u32(): number {
        return this.view.getUint32(this.take(4), true);
    }

    /** A u64 count or length, refused when larger than `limit` (what the rest of the file can hold). */
    count(what: string, limit: number): number {
        const value = this.u64At(this.take(8));
        if (value > limit) throw new GgufFormatError(`${what} is ${value >= 2 ** 53 ? "beyond 2^53" : value}, more than the rest of the file can hold (it is truncated or corrupt)`);
        return value;
    }

    /** A u64 as a number without a BigInt (hot: every string has one); 2^53 and above all read as 2^53. */
    private u64At(at: number): number {
        const high = this.view.getUint32(at + 4, true);
        return high >= 0x200000 ? 2 ** 53 : high * 0x1_0000_0000 + this.view.getUint32(at, true);
    }

    /** A length-prefixed string; `ensure`s its bytes itself. */
    async string(what: string, maxBytes: number): Promise<string> {
        return this.bufferedString(maxBytes) ?? (await this.unbufferedString(what, maxBytes));
    }

    /** The string when the buffer holds all of it (the common case, without a promise), else undefined. */
    bufferedString(maxBytes: number): string | undefined {
        if (!this.has(8)) return undefined;
        const at = this.offset - this.bufferStart;
        const length = this.u64At(at);
        if (length > maxBytes || !this.has(8 + length)) return undefined;
        this.offset += 8;
        return utf8.decode(this.bytes(length));
    }

    private async unbufferedString(what: string, maxBytes: number): Promise<string> {
        if (!this.has(8)) await this.ensure(8);
        const length = this.count(`the length of ${what}`, this.remaining - 8);
        if (length > maxBytes) throw new GgufFormatError(`${what} is ${length} bytes long, more than the ${maxBytes} allowed`);
        if (!this.has(length)) await this.ensure(length);
        return utf8.decode(this.bytes(length));
    }

    skip(length: number): void {
        if (length > this.remaining) throw new GgufFormatError(`the file ends after ${this.source.size} bytes, in the middle of ${this.where()} (it is truncated)`);
        this.offset += length;
    }

    scalar(type: number): GgufScalar {
        const size = FIXED_SIZES[type];
        if (size === undefined) throw new GgufFormatError(`value type ${type} is not a number type`);
        const at = this.take(size);
        const view = this.view;
        switch (type) {
            case GgufType.uint8: return view.getUint8(at);
            case GgufType.int8: return view.getInt8(at);
            case GgufType.uint16: return view.getUint16(at, true);
            case GgufType.int16: return view.getInt16(at, true);
            case GgufType.uint32: return view.getUint32(at, true);
            case GgufType.int32: return view.getInt32(at, true);
            case GgufType.float32: return view.getFloat32(at, true);
            case GgufType.bool: return view.getUint8(at) !== 0;
            case GgufType.uint64: return view.getBigUint64(at, true);
            case GgufType.int64: return view.getBigInt64(at, true);
            default: return view.getFloat64(at, true);
        }
    }
}

export function typeName(type: number): string {
    return TYPE_NAMES[type] ?? `unknown type ${type}`;
}

export async function readGgufHeader(source: GgufByteSource, options: ReadGgufHeaderOptions = {}): Promise<GgufHeader> {
    let where = "the file header";
    const cursor = new BoundedCursor(source, () => where);
    if (source.size < HEADER_BYTES) throw new GgufFormatError(`it has only ${source.size} bytes, too few for a GGUF header`);
    await cursor.ensure(HEADER_BYTES);
    if (utf8.decode(cursor.bytes(4)) !== "GGUF") throw new GgufFormatError("it does not start with the GGUF signature (it is not a GGUF model file)");
    const version = cursor.u32();
    if (version !== 2 && version !== 3) throw new GgufFormatError(`it is GGUF version ${version}; only versions 2 and 3 are supported`);
    const tensorCount = cursor.count("the tensor count", Math.floor((cursor.remaining - 8) / MIN_TENSOR_INFO_BYTES));
    const kvCount = cursor.count("the metadata count", Math.floor(cursor.remaining / MIN_KV_BYTES));

    const metadata = new Map<string, GgufMetadataValue>();
    for (let index = 0; index < kvCount; index++) {
        where = `metadata entry ${index + 1} of ${kvCount}`;
        const key = await cursor.string(`the key of ${where}`, MAX_KEY_BYTES);
        if (key.length === 0) throw new GgufFormatError(`${where} has an empty key`);
        where = `the metadata value "${key}"`;
        if (metadata.has(key)) throw new GgufFormatError(`the key "${key}" appears twice`);
        metadata.set(key, await readValue(cursor, key, options.keepArrays?.has(key) ?? false, options.maxKeptArrayLength ?? MAX_KEPT_ARRAY_LENGTH));
    }

    const alignment = alignmentOf(metadata);
    const tensors: GgufTensorInfo[] = [];
    const names = new Set<string>();
    for (let index = 0; index < tensorCount; index++) {
        where = `tensor description ${index + 1} of ${tensorCount}`;
        const tensor = await readTensorInfo(cursor, where);
        if (names.has(tensor.name)) throw new GgufFormatError(`the tensor "${tensor.name}" appears twice`);
        names.add(tensor.name);
        tensors.push(tensor);
    }
    const dataOffset = alignUp(cursor.offset, alignment);
    checkTensorLayout(tensors, alignment, dataOffset, source.size);
    return { version, alignment, metadata, tensors, dataOffset, fileSize: source.size };
}

async function readValue(cursor: BoundedCursor, key: string, keepArray: boolean, maxKeptLength: number): Promise<GgufMetadataValue> {
    await cursor.ensure(4);
    const type = cursor.u32();
    if (type === GgufType.string) return { kind: "scalar", type, value: await cursor.string(`the value of "${key}"`, Number.MAX_SAFE_INTEGER) };
    if (type !== GgufType.array) {
        const size = FIXED_SIZES[type];
        if (size === undefined) throw new GgufFormatError(`the key "${key}" has an unknown value type (${type})`);
        await cursor.ensure(size);
        return { kind: "scalar", type, value: cursor.scalar(type) };
    }
    await cursor.ensure(12);
    const itemType = cursor.u32();
    if (itemType === GgufType.array) throw new GgufFormatError(`the key "${key}" holds an array of arrays, which GGUF readers do not support`);
    const itemSize = itemType === GgufType.string ? 8 : FIXED_SIZES[itemType];
    if (itemSize === undefined) throw new GgufFormatError(`the array "${key}" has an unknown item type (${itemType})`);
    const length = cursor.count(`the length of the array "${key}"`, Math.floor((cursor.remaining - 8) / itemSize));
    if (keepArray && length > maxKeptLength) throw new GgufFormatError(`the array "${key}" has ${length} items, more than ${maxKeptLength}`);
    const values: GgufScalar[] | undefined = keepArray || length <= SHORT_ARRAY ? [] : undefined;
    if (itemType === GgufType.string) {
        for (let index = 0; index < length; index++) {
            if (values) {
                values.push(cursor.bufferedString(Number.MAX_SAFE_INTEGER) ?? (await cursor.string(`item ${index} of "${key}"`, Number.MAX_SAFE_INTEGER)));
                continue;
            }
            if (!cursor.has(8)) await cursor.ensure(8);
            cursor.skip(cursor.count(`the length of item ${index} of "${key}"`, cursor.remaining - 8));
        }
    } else if (values) {
        await cursor.ensure(length * itemSize);
        for (let index = 0; index < length; index++) values.push(cursor.scalar(itemType));
    } else {
        cursor.skip(length * itemSize);
    }
    return { kind: "array", type: GgufType.array, itemType, length, values };
}

function alignmentOf(metadata: ReadonlyMap<string, GgufMetadataValue>): number {
    const entry = metadata.get("general.alignment");
    if (entry === undefined) return 32;
    if (entry.kind !== "scalar" || entry.type !== GgufType.uint32) throw new GgufFormatError(`general.alignment must be a uint32 (it is a ${typeName(entry.type)})`);
    const value = Number(entry.value);
    if (value === 0 || (value & (value - 1)) !== 0) throw new GgufFormatError(`general.alignment is ${value}, not a power of two`);
    return value;
}

async function readTensorInfo(cursor: BoundedCursor, where: string): Promise<GgufTensorInfo> {
    const name = await cursor.string(`the name of ${where}`, MAX_TENSOR_NAME_BYTES);
    if (name.length === 0) throw new GgufFormatError(`${where} has an empty name`);
    await cursor.ensure(4);
    const dimCount = cursor.u32();
    if (dimCount < 1 || dimCount > MAX_DIMS) throw new GgufFormatError(`the tensor "${name}" has ${dimCount} dimensions (1 to ${MAX_DIMS} are possible)`);
    await cursor.ensure(dimCount * 8 + 4 + 8);
    const dims: number[] = [];
    let elements = 1;
    for (let index = 0; index < dimCount; index++) {
        const size = cursor.count(`dimension ${index + 1} of the tensor "${name}"`, Number.MAX_SAFE_INTEGER);
        if (size === 0) throw new GgufFormatError(`the tensor "${name}" has a dimension of size 0`);
        elements *= size;
        if (elements > Number.MAX_SAFE_INTEGER) throw new GgufFormatError(`the tensor "${name}" has more elements than any file can hold`);
        dims.push(size);
    }
    const typeId = cursor.u32();
    const type = ggmlType(typeId);
    if (type === undefined) throw new GgufFormatError(`the tensor "${name}" has an unknown or unsupported element type (${typeId})`);
    if (dims[0]! % type.blockSize !== 0) throw new GgufFormatError(`the tensor "${name}" has rows of ${dims[0]} values, not a multiple of its ${type.name} block size ${type.blockSize}`);
    const offset = cursor.count(`the data offset of the tensor "${name}"`, Number.MAX_SAFE_INTEGER);
    return { name, dims, type, typeId, offset, byteLength: (elements / type.blockSize) * type.bytesPerBlock };
}

/** Tensors follow each other in order, each aligned, all inside the file (llama.cpp expects exactly this). */
function checkTensorLayout(tensors: readonly GgufTensorInfo[], alignment: number, dataOffset: number, fileSize: number): void {
    let expectedOffset = 0;
    for (const tensor of tensors) {
        if (tensor.offset !== expectedOffset) {
            throw new GgufFormatError(`the tensor "${tensor.name}" starts at data offset ${tensor.offset}, but the tensors before it end at ${expectedOffset}`);
        }
        const end = dataOffset + tensor.offset + tensor.byteLength;
        if (end > fileSize) {
            throw new GgufFormatError(`the data of the tensor "${tensor.name}" ends at byte ${end}, past the end of the file (${fileSize} bytes): the file is truncated`);
        }
        expectedOffset = alignUp(tensor.offset + tensor.byteLength, alignment);
    }
}

function alignUp(value: number, alignment: number): number {
    return Math.ceil(value / alignment) * alignment;
}
