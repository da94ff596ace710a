// A quick look at a model file's GGUF header before it replaces the configured model ("Select
// Model File..." and the end of a download): GGUF magic and version, sane counts, and
// `general.architecture = phi2`. Deliberately small: the model host validates every file fully
// before loading it; this only keeps an obviously wrong pick from replacing a good setting.
import * as fs from "node:fs/promises";

export type ModelFileCheck = { readonly ok: true; readonly architecture: string | undefined } | { readonly ok: false; readonly reason: string };

/** Bytes read: general.architecture is among the first keys of every GGUF llama.cpp writes. */
const HEADER_BYTES = 1024 * 1024;
/** Far above any real model (Phi-2 has 325 tensors and ~25 keys); a bigger count means corruption. */
const MAX_TENSORS = 1_000_000;
const MAX_KEYS = 100_000;
const EXPECTED_ARCHITECTURE = "phi2";

/** Byte sizes of GGUF's fixed-size value types, by type id (8 string, 9 array are variable). */
const FIXED_SIZES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

export async function validateModelFile(filePath: string): Promise<ModelFileCheck> {
    let header: Buffer;
    try {
        const file = await fs.open(filePath, "r");
        try {
            const buffer = Buffer.alloc(HEADER_BYTES);
            const { bytesRead } = await file.read(buffer, 0, HEADER_BYTES, 0);
            header = buffer.subarray(0, bytesRead);
        } finally {
            await file.close();
        }
    } catch (error) {
        return { ok: false, reason: `${filePath} cannot be read: ${(error as Error).message}` };
    }
    return checkGgufHeader(header, filePath);
}

/** The check on the first bytes of a file (exported for tests). */
export function checkGgufHeader(header: Buffer, name: string): ModelFileCheck {
    if (header.length < 24) return { ok: false, reason: `${name} is not a GGUF model file (${header.length} bytes).` };
    if (header.toString("latin1", 0, 4) !== "GGUF") return { ok: false, reason: `${name} is not a GGUF model file (it does not start with "GGUF").` };
    const version = header.readUInt32LE(4);
    if (version < 2 || version > 3) return { ok: false, reason: `${name} is GGUF version ${version}; llama.cpp reads versions 2 and 3.` };
    const tensors = header.readBigUInt64LE(8);
    const keys = header.readBigUInt64LE(16);
    if (tensors > BigInt(MAX_TENSORS) || keys > BigInt(MAX_KEYS)) return { ok: false, reason: `${name} has an impossible header (${tensors} tensors, ${keys} keys): it is corrupt.` };
    const architecture = findArchitecture(header, Number(keys));
    if (architecture !== undefined && architecture !== EXPECTED_ARCHITECTURE) {
        return { ok: false, reason: `${name} is a "${architecture}" model, not Phi-2 ("${EXPECTED_ARCHITECTURE}"). Phi-2 Complete's prompts are made for Phi-2.` };
    }
    return { ok: true, architecture };
}

/** general.architecture if it is within the header bytes; undefined when the bytes run out first. */
function findArchitecture(header: Buffer, keys: number): string | undefined {
    let at = 24;
    const readString = (): string | undefined => {
        if (at + 8 > header.length) return undefined;
        const length = Number(header.readBigUInt64LE(at));
        if (at + 8 + length > header.length) return undefined;
        const text = header.toString("utf8", at + 8, at + 8 + length);
        at += 8 + length;
        return text;
    };
    const skipValue = (type: number): boolean => {
        if (FIXED_SIZES[type] !== undefined) {
            at += FIXED_SIZES[type];
            return at <= header.length;
        }
        if (type === 8) return readString() !== undefined;
        if (type !== 9 || at + 12 > header.length) return false;
        const elementType = header.readUInt32LE(at);
        const count = Number(header.readBigUInt64LE(at + 4));
        at += 12;
        if (FIXED_SIZES[elementType] !== undefined) {
            at += FIXED_SIZES[elementType] * count;
            return at <= header.length;
        }
        for (let i = 0; i < count; i++) if (!skipValue(elementType)) return false;
        return true;
    };
    for (let i = 0; i < keys; i++) {
        const key = readString();
        if (key === undefined || at + 4 > header.length) return undefined;
        const type = header.readUInt32LE(at);
        at += 4;
        if (key === "general.architecture" && type === 8) return readString();
        if (!skipValue(type)) return undefined;
    }
    return undefined;
}
