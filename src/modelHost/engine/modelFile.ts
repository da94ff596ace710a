// Checks a model file before llama.cpp sees it, so the user gets a message they can act on
// instead of a native loader error.
import { constants as fsConstants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { readGgufFileInfo, type GgufFileInfo } from "node-llama-cpp";
import { HostFailure } from "./HostFailure";

export const REQUIRED_ARCHITECTURE = "phi2";

const whereToGetOne =
    "Select a Phi-2 GGUF file (for example phi-2.Q4_K_M.gguf from a Hugging Face GGUF conversion of microsoft/phi-2).";

export async function inspectModelFile(modelPath: string): Promise<GgufFileInfo> {
    try {
        const info = await stat(modelPath);
        if (!info.isFile()) throw new Error("not a file");
        await access(modelPath, fsConstants.R_OK);
    } catch {
        throw new HostFailure("MODEL_NOT_FOUND", `The model file ${modelPath} does not exist or cannot be read. ${whereToGetOne}`);
    }
    let fileInfo: GgufFileInfo;
    try {
        fileInfo = await readGgufFileInfo(modelPath, { sourceType: "filesystem", logWarnings: false, readTensorInfo: true });
    } catch (error) {
        throw new HostFailure(
            "MODEL_INVALID",
            `The model file ${modelPath} is not a valid GGUF file (${describe(error)}). It may be truncated or in another format. ${whereToGetOne}`,
        );
    }
    const architecture: unknown = fileInfo.metadata?.general?.architecture;
    if (architecture !== REQUIRED_ARCHITECTURE) {
        throw new HostFailure(
            "WRONG_ARCHITECTURE",
            `The model file ${modelPath} is a "${String(architecture)}" model, but phi2-complete needs a Phi-2 model (architecture "phi2"). ${whereToGetOne}`,
        );
    }
    return fileInfo;
}

/** The vocabulary pieces and their token types, for exact detokenization. */
export function vocabularyOf(fileInfo: GgufFileInfo): { pieces: readonly string[]; types: readonly number[] | undefined } {
    const ggml = fileInfo.metadata?.tokenizer?.ggml;
    const pieces = ggml?.tokens;
    if (!Array.isArray(pieces) || pieces.length === 0) {
        throw new HostFailure("MODEL_INVALID", "The model file has no tokenizer vocabulary (tokenizer.ggml.tokens).");
    }
    const types = Array.isArray(ggml?.token_type) ? (ggml.token_type as readonly number[]) : undefined;
    return { pieces, types };
}

export function describe(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}
