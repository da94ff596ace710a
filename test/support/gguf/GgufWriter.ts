// Writes GGUF v3 files: header, typed metadata, tensor infos, then the aligned tensor data.
import { randomBytes } from "node:crypto";
import { open, rename, rm, writeFile } from "node:fs/promises";
import { endianness } from "node:os";
import { float32BitsToFloat16Bits } from "./float16";
import {
    alignUp,
    blockTensorBytes,
    GGML_TYPE_BYTES,
    GGUF_DEFAULT_ALIGNMENT,
    GGUF_MAGIC,
    GGUF_VERSION,
    GgmlBlockType,
    type GgmlBlockTypeName,
    GgmlType,
    type GgmlTypeName,
    GgufValueType,
} from "./ggufFormat";
import { type GgufArrayItemType, type GgufBigIntType, type GgufNumberType, type GgufValue, NUMBER_TYPE_BYTES } from "./ggufValues";

export interface GgufTensorInput {
    readonly name: string;
    /** ggml order: dims[0] is the contiguous (innermost) dimension. */
    readonly dims: readonly number[];
    readonly type: GgmlTypeName;
    /** Row-major values in ggml order; converted to `type` when written. */
    readonly data: Float32Array;
}

/**
 * A tensor of quantized blocks whose bytes are made only when the file is written (a Phi-2-sized
 * model does not fit in one buffer comfortably, and its tensors are written one at a time).
 */
export interface GgufBlockTensorInput {
    readonly name: string;
    /** ggml order; dims[0] must be a multiple of the block size. */
    readonly dims: readonly number[];
    readonly type: GgmlBlockTypeName;
    /** Fills `target` (exactly the tensor's bytes) with blocks. */
    readonly fillBlocks: (target: Uint8Array) => void;
}

type AnyTensorInput = GgufTensorInput | GgufBlockTensorInput;

function isBlockTensor(tensor: AnyTensorInput): tensor is GgufBlockTensorInput {
    return "fillBlocks" in tensor;
}

function elementCount(dims: readonly number[]): number {
    return dims.reduce((product, dim) => product * dim, 1);
}

function tensorBytes(tensor: AnyTensorInput): number {
    const elements = elementCount(tensor.dims);
    return isBlockTensor(tensor) ? blockTensorBytes(tensor.type, elements) : elements * GGML_TYPE_BYTES[tensor.type];
}

/** Where everything goes: the header bytes, each tensor's offset in the data section, its size. */
interface FileLayout {
    readonly header: Buffer;
    readonly dataStart: number;
    readonly offsets: readonly number[];
    readonly dataSize: number;
}

/** Growable little-endian byte buffer for the header part of the file. */
class ByteSink {
    private buffer = Buffer.alloc(1 << 16);
    length = 0;

    private reserve(bytes: number): void {
        if (this.length + bytes <= this.buffer.length) return;
        let capacity = this.buffer.length * 2;
        while (capacity < this.length + bytes) capacity *= 2;
        const grown = Buffer.alloc(capacity);
        this.buffer.copy(grown, 0, 0, this.length);
        this.buffer = grown;
    }

    bytes(data: Uint8Array): void {
        this.reserve(data.length);
        this.buffer.set(data, this.length);
        this.length += data.length;
    }

    u32(value: number): void {
        this.reserve(4);
        this.buffer.writeUInt32LE(value, this.length);
        this.length += 4;
    }

    u64(value: number | bigint): void {
        this.reserve(8);
        this.buffer.writeBigUInt64LE(BigInt(value), this.length);
        this.length += 8;
    }

    string(value: string): void {
        const encoded = Buffer.from(value, "utf8");
        this.u64(encoded.length);
        this.bytes(encoded);
    }

    number(type: GgufNumberType | GgufBigIntType, value: number | bigint): void {
        const size = NUMBER_TYPE_BYTES[type];
        this.reserve(size);
        const at = this.length;
        const b = this.buffer;
        switch (type) {
            case "uint8": b.writeUInt8(value as number, at); break;
            case "int8": b.writeInt8(value as number, at); break;
            case "uint16": b.writeUInt16LE(value as number, at); break;
            case "int16": b.writeInt16LE(value as number, at); break;
            case "uint32": b.writeUInt32LE(value as number, at); break;
            case "int32": b.writeInt32LE(value as number, at); break;
            case "float32": b.writeFloatLE(value as number, at); break;
            case "float64": b.writeDoubleLE(value as number, at); break;
            case "uint64": b.writeBigUInt64LE(value as bigint, at); break;
            case "int64": b.writeBigInt64LE(value as bigint, at); break;
        }
        this.length += size;
    }

    contents(): Buffer {
        return this.buffer.subarray(0, this.length);
    }
}

function checkInteger(key: string, type: GgufNumberType, value: number): void {
    const ranges: Partial<Record<GgufNumberType, [number, number]>> = {
        uint8: [0, 0xff], int8: [-0x80, 0x7f], uint16: [0, 0xffff], int16: [-0x8000, 0x7fff],
        uint32: [0, 0xffffffff], int32: [-0x80000000, 0x7fffffff],
    };
    const range = ranges[type];
    if (range && (!Number.isInteger(value) || value < range[0] || value > range[1])) {
        throw new RangeError(`GGUF key "${key}": ${value} is not a valid ${type}`);
    }
}

export class GgufWriter {
    private readonly metadata = new Map<string, GgufValue>();
    private readonly tensors: AnyTensorInput[] = [];

    constructor(readonly alignment: number = GGUF_DEFAULT_ALIGNMENT) {
        if (!Number.isInteger(alignment) || alignment <= 0 || alignment % 8 !== 0) {
            throw new RangeError(`GGUF alignment must be a positive multiple of 8, got ${alignment}`);
        }
        if (alignment !== GGUF_DEFAULT_ALIGNMENT) this.set("general.alignment", { type: "uint32", value: alignment });
    }

    set(key: string, value: GgufValue): this {
        if (value.type !== "array" && (value.type === "uint8" || value.type === "int8" || value.type === "uint16" ||
            value.type === "int16" || value.type === "uint32" || value.type === "int32")) {
            checkInteger(key, value.type, value.value);
        }
        this.metadata.set(key, value);
        return this;
    }

    setString(key: string, value: string): this { return this.set(key, { type: "string", value }); }
    setUint32(key: string, value: number): this { return this.set(key, { type: "uint32", value }); }
    setFloat32(key: string, value: number): this { return this.set(key, { type: "float32", value }); }
    setBool(key: string, value: boolean): this { return this.set(key, { type: "bool", value }); }
    setStringArray(key: string, value: readonly string[]): this {
        return this.set(key, { type: "array", itemType: "string", value });
    }
    setInt32Array(key: string, value: ArrayLike<number>): this {
        return this.set(key, { type: "array", itemType: "int32", value });
    }
    setFloat32Array(key: string, value: ArrayLike<number>): this {
        return this.set(key, { type: "array", itemType: "float32", value });
    }

    addTensor(tensor: AnyTensorInput): this {
        const elements = elementCount(tensor.dims);
        if (tensor.dims.length === 0 || tensor.dims.length > 4 || tensor.dims.some((dim) => !Number.isInteger(dim) || dim <= 0)) {
            throw new RangeError(`Tensor "${tensor.name}": ggml needs 1 to 4 positive dims, got [${tensor.dims.join(", ")}]`);
        }
        if (!isBlockTensor(tensor) && elements !== tensor.data.length) {
            throw new RangeError(`Tensor "${tensor.name}": dims [${tensor.dims.join(", ")}] hold ${elements} values, data has ${tensor.data.length}`);
        }
        if (isBlockTensor(tensor)) blockTensorBytes(tensor.type, tensor.dims[0]!); // every row is whole blocks
        if (this.tensors.some((existing) => existing.name === tensor.name)) {
            throw new Error(`Tensor "${tensor.name}" was added twice`);
        }
        this.tensors.push(tensor);
        return this;
    }

    /** The whole file in memory. */
    toBuffer(): Buffer {
        const { header, dataStart, offsets, dataSize } = this.layout();
        const file = Buffer.alloc(dataStart + alignUp(dataSize, this.alignment));
        header.copy(file, 0);
        this.tensors.forEach((tensor, index) => fillTensor(file.subarray(dataStart + offsets[index]!, dataStart + offsets[index]! + tensorBytes(tensor)), tensor));
        return file;
    }

    /**
     * Writes the file tensor by tensor (only one tensor's bytes in memory at a time), through a
     * temporary file renamed into place.
     */
    async writeToFile(path: string): Promise<void> {
        const { header, dataStart, offsets, dataSize } = this.layout();
        const temporaryPath = temporaryPathFor(path);
        const handle = await open(temporaryPath, "w");
        try {
            await handle.write(header, 0, header.length, 0);
            for (const [index, tensor] of this.tensors.entries()) {
                // allocUnsafeSlow: a fresh, 8-byte aligned ArrayBuffer per tensor, fully overwritten by fillTensor.
                const bytes = Buffer.allocUnsafeSlow(tensorBytes(tensor));
                fillTensor(bytes, tensor);
                await handle.write(bytes, 0, bytes.length, dataStart + offsets[index]!);
            }
            await handle.truncate(dataStart + alignUp(dataSize, this.alignment));
            await handle.close();
            await rename(temporaryPath, path);
        } catch (error) {
            await handle.close().catch(() => undefined);
            await rm(temporaryPath, { force: true });
            throw error;
        }
    }

    private layout(): FileLayout {
        const header = new ByteSink();
        header.bytes(Buffer.from(GGUF_MAGIC, "ascii"));
        header.u32(GGUF_VERSION);
        header.u64(this.tensors.length);
        header.u64(this.metadata.size);
        for (const [key, value] of this.metadata) {
            header.string(key);
            writeValue(header, value);
        }

        let dataSize = 0;
        const offsets: number[] = [];
        for (const tensor of this.tensors) {
            dataSize = alignUp(dataSize, this.alignment);
            offsets.push(dataSize);
            dataSize += tensorBytes(tensor);
            header.string(tensor.name);
            header.u32(tensor.dims.length);
            for (const dim of tensor.dims) header.u64(dim);
            header.u32(isBlockTensor(tensor) ? GgmlBlockType[tensor.type] : GgmlType[tensor.type]);
            header.u64(offsets[offsets.length - 1]);
        }
        // The data section starts aligned, and ends padded so the file size is aligned too.
        return { header: Buffer.from(header.contents()), dataStart: alignUp(header.length, this.alignment), offsets, dataSize };
    }
}

function fillTensor(target: Buffer, tensor: AnyTensorInput): void {
    if (isBlockTensor(tensor)) tensor.fillBlocks(target);
    else writeTensorData(target, 0, tensor);
}

function writeValue(sink: ByteSink, value: GgufValue): void {
    sink.u32(GgufValueType[value.type]);
    switch (value.type) {
        case "string":
            sink.string(value.value);
            return;
        case "bool":
            sink.bytes(Uint8Array.of(value.value ? 1 : 0));
            return;
        case "array":
            writeArray(sink, value);
            return;
        default:
            sink.number(value.type, value.value);
    }
}

function writeArray(sink: ByteSink, value: Extract<GgufValue, { type: "array" }>): void {
    const itemType: GgufArrayItemType = value.itemType;
    sink.u32(GgufValueType[itemType]);
    sink.u64(value.value.length);
    switch (value.itemType) {
        case "string":
            for (const item of value.value) sink.string(item);
            return;
        case "bool":
            for (const item of value.value) sink.bytes(Uint8Array.of(item ? 1 : 0));
            return;
        case "uint64":
        case "int64":
            for (const item of value.value) sink.number(value.itemType, item);
            return;
        default:
            for (let i = 0; i < value.value.length; i++) sink.number(value.itemType, value.value[i]);
    }
}

function writeTensorData(file: Buffer, at: number, tensor: GgufTensorInput): void {
    const count = tensor.data.length;
    const sourceBits = new Uint32Array(tensor.data.buffer, tensor.data.byteOffset, count);
    const target = file.byteOffset + at;
    // Typed arrays use the machine's byte order: take the fast path only where that is little endian.
    if (endianness() === "LE" && target % 4 === 0) {
        if (tensor.type === "f32") {
            new Uint32Array(file.buffer, target, count).set(sourceBits);
        } else {
            const halves = new Uint16Array(file.buffer, target, count);
            for (let i = 0; i < count; i++) halves[i] = float32BitsToFloat16Bits(sourceBits[i]);
        }
        return;
    }
    const view = new DataView(file.buffer, target, count * GGML_TYPE_BYTES[tensor.type]);
    for (let i = 0; i < count; i++) {
        if (tensor.type === "f32") view.setFloat32(i * 4, tensor.data[i], true);
        else view.setUint16(i * 2, float32BitsToFloat16Bits(sourceBits[i]), true);
    }
}

/**
 * Writes through a temporary file in the same folder and renames it into place, so another
 * process never sees a half-written file (rename is atomic on one file system).
 */
export async function writeFileAtomically(path: string, contents: Uint8Array): Promise<void> {
    const temporaryPath = temporaryPathFor(path);
    try {
        await writeFile(temporaryPath, contents);
        await rename(temporaryPath, path);
    } catch (error) {
        await rm(temporaryPath, { force: true });
        throw error;
    }
}

function temporaryPathFor(path: string): string {
    return `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
}

// Re-exported so callers can name the types without reaching into the format module.
export type { GgmlBlockTypeName, GgmlTypeName, GgufBigIntType, GgufNumberType, GgufValue };
