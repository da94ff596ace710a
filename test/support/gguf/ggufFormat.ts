// Constants of the GGUF file format (version 3), shared by the writer and the reader.
// Reference: ggml's docs/gguf.md. Everything is little endian.

export const GGUF_MAGIC = "GGUF";
export const GGUF_VERSION = 3;
/** Default alignment of the tensor data section and of every tensor in it (`general.alignment`). */
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** Type tags of metadata values (gguf_metadata_value_type). */
export const GgufValueType = {
    uint8: 0,
    int8: 1,
    uint16: 2,
    int16: 3,
    uint32: 4,
    int32: 5,
    float32: 6,
    bool: 7,
    string: 8,
    array: 9,
    uint64: 10,
    int64: 11,
    float64: 12,
} as const;
export type GgufValueTypeName = keyof typeof GgufValueType;

/** The tensor element types this project writes (ggml_type ids). */
export const GgmlType = {
    f32: 0,
    f16: 1,
} as const;
export type GgmlTypeName = keyof typeof GgmlType;

export const GGML_TYPE_BYTES: Record<GgmlTypeName, number> = { f32: 4, f16: 2 };

export function alignUp(offset: number, alignment: number): number {
    return Math.ceil(offset / alignment) * alignment;
}
