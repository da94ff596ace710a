// Reads GGUF v3 files written by GgufWriter (and by llama.cpp tools): metadata, tensor infos and
// f32/f16 tensor data. Used by tests to check what the writer produced.
import type { GgufLayout } from "../../../src/core/gguf/ggufHeader";
import { float16BitsToFloat32 } from "./float16";
import { alignUp, GGML_TYPE_BYTES, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GgmlType, type GgmlTypeName, GgufValueType, type GgufValueTypeName } from "./ggufFormat";
import { type GgufArrayItemType, type GgufValue, NUMBER_TYPE_BYTES } from "./ggufValues";

export interface GgufTensorInfo {
    readonly name: string;
    readonly dims: readonly number[];
    readonly type: GgmlTypeName;
    /** Offset relative to the start of the data section, as stored in the file. */
    readonly relativeOffset: number;
    /** Offset from the start of the file. */
    readonly fileOffset: number;
    readonly byteLength: number;
}

export interface GgufFile extends GgufLayout {
    readonly metadata: ReadonlyMap<string, GgufValue>;
    readonly tensors: readonly GgufTensorInfo[];
    /** Values of a tensor as f32 (f16 is widened). */
    readTensor(name: string): Float32Array;
}

const valueTypeNames = new Map<number, GgufValueTypeName>(
    Object.entries(GgufValueType).map(([name, id]) => [id, name as GgufValueTypeName]),
);
const ggmlTypeNames = new Map<number, GgmlTypeName>(
    Object.entries(GgmlType).map(([name, id]) => [id, name as GgmlTypeName]),
);

class ByteSource {
    offset = 0;
    constructor(private readonly buffer: Buffer) {}

    private take(bytes: number): number {
        if (this.offset + bytes > this.buffer.length) {
            throw new RangeError(`GGUF truncated: need ${bytes} bytes at offset ${this.offset}, file has ${this.buffer.length}`);
        }
        const at = this.offset;
        this.offset += bytes;
        return at;
    }

    u32(): number { return this.buffer.readUInt32LE(this.take(4)); }
    u64(): number {
        const value = this.buffer.readBigUInt64LE(this.take(8));
        if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`GGUF u64 ${value} is too large`);
        return Number(value);
    }
    string(): string {
        const length = this.u64();
        const at = this.take(length);
        return this.buffer.toString("utf8", at, at + length);
    }
    bool(): boolean { return this.buffer.readUInt8(this.take(1)) !== 0; }

    number(type: Exclude<GgufArrayItemType, "string" | "bool">): number | bigint {
        const at = this.take(NUMBER_TYPE_BYTES[type]);
        const b = this.buffer;
        switch (type) {
            case "uint8": return b.readUInt8(at);
            case "int8": return b.readInt8(at);
            case "uint16": return b.readUInt16LE(at);
            case "int16": return b.readInt16LE(at);
            case "uint32": return b.readUInt32LE(at);
            case "int32": return b.readInt32LE(at);
            case "float32": return b.readFloatLE(at);
            case "float64": return b.readDoubleLE(at);
            case "uint64": return b.readBigUInt64LE(at);
            case "int64": return b.readBigInt64LE(at);
        }
    }
}

function valueTypeName(id: number, key: string): GgufValueTypeName {
    const name = valueTypeNames.get(id);
    if (name === undefined) throw new Error(`GGUF key "${key}": unknown value type ${id}`);
    return name;
}

function readValue(source: ByteSource, key: string): GgufValue {
    const type = valueTypeName(source.u32(), key);
    switch (type) {
        case "string": return { type, value: source.string() };
        case "bool": return { type, value: source.bool() };
        case "array": return readArray(source, key);
        case "uint64":
        case "int64": return { type, value: source.number(type) as bigint };
        default: return { type, value: source.number(type) as number };
    }
}

function readArray(source: ByteSource, key: string): GgufValue {
    const itemType = valueTypeName(source.u32(), key);
    const length = source.u64();
    switch (itemType) {
        case "array": throw new Error(`GGUF key "${key}": nested arrays are not supported`);
        case "string": return { type: "array", itemType, value: Array.from({ length }, () => source.string()) };
        case "bool": return { type: "array", itemType, value: Array.from({ length }, () => source.bool()) };
        case "uint64":
        case "int64": return { type: "array", itemType, value: Array.from({ length }, () => source.number(itemType) as bigint) };
        default: return { type: "array", itemType, value: Array.from({ length }, () => source.number(itemType) as number) };
    }
}

export function readGguf(buffer: Buffer): GgufFile {
    const source = new ByteSource(buffer);
    if (buffer.length < 4 || buffer.toString("ascii", 0, 4) !== GGUF_MAGIC) throw new Error("Not a GGUF file (bad magic)");
    source.offset = 4;
    const version = source.u32();
    if (version !== 3) throw new Error(`Unsupported GGUF version ${version} (expected 3)`);
    const tensorCount = source.u64();
    const metadataCount = source.u64();

    const metadata = new Map<string, GgufValue>();
    for (let i = 0; i < metadataCount; i++) {
        const key = source.string();
        metadata.set(key, readValue(source, key));
    }
    const alignmentValue = metadata.get("general.alignment");
    const alignment = alignmentValue?.type === "uint32" ? alignmentValue.value : GGUF_DEFAULT_ALIGNMENT;

    const partialInfos: Omit<GgufTensorInfo, "fileOffset">[] = [];
    for (let i = 0; i < tensorCount; i++) {
        const name = source.string();
        const dimCount = source.u32();
        const dims = Array.from({ length: dimCount }, () => source.u64());
        const typeId = source.u32();
        const type = ggmlTypeNames.get(typeId);
        if (type === undefined) throw new Error(`Tensor "${name}": unsupported ggml type ${typeId}`);
        const relativeOffset = source.u64();
        const elements = dims.reduce((product, dim) => product * dim, 1);
        partialInfos.push({ name, dims, type, relativeOffset, byteLength: elements * GGML_TYPE_BYTES[type] });
    }
    const dataOffset = alignUp(source.offset, alignment);
    const tensors = partialInfos.map((info) => ({ ...info, fileOffset: dataOffset + info.relativeOffset }));
    for (const tensor of tensors) {
        if (tensor.fileOffset + tensor.byteLength > buffer.length) {
            throw new RangeError(`Tensor "${tensor.name}" runs past the end of the file`);
        }
    }

    return {
        version,
        alignment,
        metadata,
        tensors,
        dataOffset,
        readTensor(name: string): Float32Array {
            const tensor = tensors.find((candidate) => candidate.name === name);
            if (!tensor) throw new Error(`No tensor named "${name}"`);
            const view = new DataView(buffer.buffer, buffer.byteOffset + tensor.fileOffset, tensor.byteLength);
            const count = tensor.byteLength / GGML_TYPE_BYTES[tensor.type];
            const values = new Float32Array(count);
            for (let i = 0; i < count; i++) {
                values[i] = tensor.type === "f32" ? view.getFloat32(i * 4, true) : float16BitsToFloat32(view.getUint16(i * 2, true));
            }
            return values;
        },
    };
}
