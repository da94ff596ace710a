// The check every model file passes before it is used: readable, a well-formed GGUF whose whole
// header is validated with bounded reads, and a usable phi2 model (src/core/gguf). The model host
// runs it before llama.cpp sees the file; "Select Model File..." and the end of a download run the
// same check, so a file the host would refuse never replaces a good setting. One wording for both.
import { constants as fsConstants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { withFileByteSource } from "../core/gguf/fileByteSource";
import { GgufFormatError } from "../core/gguf/ggufHeader";
import { Phi2ModelError, readPhi2Model, type Phi2Model } from "../core/gguf/phi2Model";

export type ModelFileProblemCode = "MODEL_NOT_FOUND" | "MODEL_INVALID" | "WRONG_ARCHITECTURE";

/** Why a model file cannot be used, in words for the user. */
export class ModelFileProblem extends Error {
    constructor(readonly code: ModelFileProblemCode, message: string) {
        super(message);
        this.name = "ModelFileProblem";
    }
}

const whereToGetOne =
    "Select a Phi-2 GGUF file (for example phi-2.Q4_K_M.gguf from a Hugging Face GGUF conversion of microsoft/phi-2).";

/** The file's phi2 header; throws ModelFileProblem when the file cannot be used. */
export async function checkModelFile(modelPath: string): Promise<Phi2Model> {
    try {
        const info = await stat(modelPath);
        if (!info.isFile()) throw new Error("not a file");
        await access(modelPath, fsConstants.R_OK);
    } catch {
        throw new ModelFileProblem("MODEL_NOT_FOUND", `The model file ${modelPath} does not exist or cannot be read. ${whereToGetOne}`);
    }
    try {
        return await withFileByteSource(modelPath, readPhi2Model);
    } catch (error) {
        throw problemOf(modelPath, error);
    }
}

function problemOf(modelPath: string, error: unknown): ModelFileProblem {
    if (error instanceof GgufFormatError) {
        return new ModelFileProblem("MODEL_INVALID", `The model file ${modelPath} is not a valid GGUF file: ${error.message}. Download it again, or ${lowerFirst(whereToGetOne)}`);
    }
    if (error instanceof Phi2ModelError && error.kind === "wrongArchitecture") {
        return new ModelFileProblem("WRONG_ARCHITECTURE", `The model file ${modelPath} cannot be used: ${error.message}. ${whereToGetOne}`);
    }
    if (error instanceof Phi2ModelError) {
        return new ModelFileProblem("MODEL_INVALID", `The model file ${modelPath} is not a usable Phi-2 model: ${error.message}. It may be corrupt: download it again, or ${lowerFirst(whereToGetOne)}`);
    }
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    return new ModelFileProblem("MODEL_NOT_FOUND", `The model file ${modelPath} could not be read${code ? ` (${code})` : ""}. ${whereToGetOne}`);
}

function lowerFirst(text: string): string {
    return text.charAt(0).toLowerCase() + text.slice(1);
}
