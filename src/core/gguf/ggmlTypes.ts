// ggml tensor element types a Phi-2 GGUF may store its weights in: id -> name, values per block and
// bytes per block (from ggml's type traits). Only these are accepted: an unknown or removed type id
// is a corrupt file, not something to hand to llama.cpp.

export interface GgmlTypeInfo {
    readonly name: string;
    /** Values per block: a row's length must be a multiple of it. */
    readonly blockSize: number;
    readonly bytesPerBlock: number;
}

const TYPES: ReadonlyMap<number, GgmlTypeInfo> = new Map(
    (
        [
            [0, "F32", 1, 4],
            [1, "F16", 1, 2],
            [2, "Q4_0", 32, 18],
            [3, "Q4_1", 32, 20],
            [6, "Q5_0", 32, 22],
            [7, "Q5_1", 32, 24],
            [8, "Q8_0", 32, 34],
            [10, "Q2_K", 256, 84],
            [11, "Q3_K", 256, 110],
            [12, "Q4_K", 256, 144],
            [13, "Q5_K", 256, 176],
            [14, "Q6_K", 256, 210],
            [16, "IQ2_XXS", 256, 66],
            [17, "IQ2_XS", 256, 74],
            [18, "IQ3_XXS", 256, 98],
            [19, "IQ1_S", 256, 50],
            [20, "IQ4_NL", 32, 18],
            [21, "IQ3_S", 256, 110],
            [22, "IQ2_S", 256, 82],
            [23, "IQ4_XS", 256, 136],
            [29, "IQ1_M", 256, 56],
            [30, "BF16", 1, 2],
        ] as const
    ).map(([id, name, blockSize, bytesPerBlock]) => [id, { name, blockSize, bytesPerBlock }]),
);

export const GGML_TYPE_F32 = 0;

export function ggmlType(id: number): GgmlTypeInfo | undefined {
    return TYPES.get(id);
}
