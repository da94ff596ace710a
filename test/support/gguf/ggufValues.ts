// Typed GGUF metadata values, as the writer takes them and the reader returns them.

export type GgufNumberType = "uint8" | "int8" | "uint16" | "int16" | "uint32" | "int32" | "float32" | "float64";
export type GgufBigIntType = "uint64" | "int64";

export type GgufValue =
    | { readonly type: GgufNumberType; readonly value: number }
    | { readonly type: GgufBigIntType; readonly value: bigint }
    | { readonly type: "bool"; readonly value: boolean }
    | { readonly type: "string"; readonly value: string }
    | { readonly type: "array"; readonly itemType: "string"; readonly value: readonly string[] }
    | { readonly type: "array"; readonly itemType: "bool"; readonly value: readonly boolean[] }
    | { readonly type: "array"; readonly itemType: GgufNumberType; readonly value: ArrayLike<number> }
    | { readonly type: "array"; readonly itemType: GgufBigIntType; readonly value: readonly bigint[] };

export type GgufArrayItemType = "string" | "bool" | GgufNumberType | GgufBigIntType;

export const NUMBER_TYPE_BYTES: Record<GgufNumberType | GgufBigIntType, number> = {
    uint8: 1,
    int8: 1,
    uint16: 2,
    int16: 2,
    uint32: 4,
    int32: 4,
    float32: 4,
    float64: 8,
    uint64: 8,
    int64: 8,
};
