// Checks a model file before llama.cpp sees it, so the user gets a message they can act on
// instead of a native loader error, a crash or a decode that never ends: the whole GGUF header is
// validated in TypeScript (src/core/gguf), with every read bounded by the file's size.
import { constants as fsConstants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { withFileByteSource } from "../../core/gguf/fileByteSource";
import { GgufFormatError } from "../../core/gguf/ggufHeader";
import { Phi2ModelError, readPhi2Model, type Phi2Model } from "../../core/gguf/phi2Model";
import { HostFailure } from "./HostFailure";

const whereToGetOne =
    "Select a Phi-2 GGUF file (for example phi-2.Q4_K_M.gguf from a Hugging Face GGUF conversion of microsoft/phi-2).";

export async function inspectModelFile(modelPath: string): Promise<Phi2Model> {
    try {
        const info = await stat(modelPath);
        if (!info.isFile()) throw new Error("not a file");
        await access(modelPath, fsConstants.R_OK);
    } catch {
        throw new HostFailure("MODEL_NOT_FOUND", `The model file ${modelPath} does not exist or cannot be read. ${whereToGetOne}`);
    }
    try {
        return await withFileByteSource(modelPath, readPhi2Model);
    } catch (error) {
        throw modelFileFailure(modelPath, error);
    }
}

/** The user's message for a file the checks refused (or could not read). */
function modelFileFailure(modelPath: string, error: unknown): HostFailure {
    if (error instanceof GgufFormatError) {
        return new HostFailure("MODEL_INVALID", `The model file ${modelPath} is not a valid GGUF file: ${error.message}. Download it again, or ${lowerFirst(whereToGetOne)}`);
    }
    if (error instanceof Phi2ModelError && error.kind === "wrongArchitecture") {
        return new HostFailure("WRONG_ARCHITECTURE", `The model file ${modelPath} cannot be used: ${error.message}. ${whereToGetOne}`);
    }
    if (error instanceof Phi2ModelError) {
        return new HostFailure("MODEL_INVALID", `The model file ${modelPath} is not a usable Phi-2 model: ${error.message}. It may be corrupt: download it again, or ${lowerFirst(whereToGetOne)}`);
    }
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    return new HostFailure("MODEL_NOT_FOUND", `The model file ${modelPath} could not be read${code ? ` (${code})` : ""}. ${whereToGetOne}`);
}

function lowerFirst(text: string): string {
    return text.charAt(0).toLowerCase() + text.slice(1);
}

/** The vocabulary pieces and their token types, for exact detokenization. */
export function vocabularyOf(model: Phi2Model): { pieces: readonly string[]; types: readonly number[] | undefined } {
    return { pieces: model.tokens, types: model.tokenTypes };
}

export function describe(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}
