// Constants of the GGUF file format (version 3), shared by the writer and the reader.
// Reference: ggml's docs/gguf.md. Everything is little endian.
import { GgufType } from "../../../src/core/gguf/ggufHeader";

export const GGUF_MAGIC = "GGUF";
export const GGUF_VERSION = 3;
/** Default alignment of the tensor data section and of every tensor in it (`general.alignment`). */
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** Type tags of metadata values (gguf_metadata_value_type): the extension's reader's table. */
export const GgufValueType = GgufType;
export type GgufValueTypeName = keyof typeof GgufValueType;

/** The tensor element types this project writes (ggml_type ids). */
export const GgmlType = {
    f32: 0,
    f16: 1,
} as const;
export type GgmlTypeName = keyof typeof GgmlType;

export const GGML_TYPE_BYTES: Record<GgmlTypeName, number> = { f32: 4, f16: 2 };

/**
 * The k-quant block types a Q4_K_M file is made of (ggml_type ids). Each stores blocks of
 * QK_K = 256 values; bytes per block from ggml-common.h (block_q4_K, block_q5_K, block_q6_K).
 */
export const GgmlBlockType = {
    q4_K: 12,
    q5_K: 13,
    q6_K: 14,
} as const;
export type GgmlBlockTypeName = keyof typeof GgmlBlockType;

export const QK_K = 256;
export const GGML_BLOCK_BYTES: Record<GgmlBlockTypeName, number> = { q4_K: 144, q5_K: 176, q6_K: 210 };

/** Bytes of a tensor of `elements` values of a block type (elements must be whole blocks). */
export function blockTensorBytes(type: GgmlBlockTypeName, elements: number): number {
    if (elements % QK_K !== 0) throw new RangeError(`A ${type} tensor holds whole blocks of ${QK_K} values, got ${elements}`);
    return (elements / QK_K) * GGML_BLOCK_BYTES[type];
}

export function alignUp(offset: number, alignment: number): number {
    return Math.ceil(offset / alignment) * alignment;
}
