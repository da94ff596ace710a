// Checks a model file before llama.cpp sees it, so the user gets a message they can act on
// instead of a native loader error, a crash or a decode that never ends: the whole GGUF header is
// validated in TypeScript (src/core/gguf), with every read bounded by the file's size.
import type { Phi2Model } from "../../core/gguf/phi2Model";
import { checkModelFile, ModelFileProblem } from "../../modelFile/checkModelFile";
import { HostFailure } from "./HostFailure";

export async function inspectModelFile(modelPath: string): Promise<Phi2Model> {
    try {
        return await checkModelFile(modelPath);
    } catch (error) {
        if (error instanceof ModelFileProblem) throw new HostFailure(error.code, error.message);
        throw error;
    }
}

/** The vocabulary pieces and their token types, for exact detokenization. */
export function vocabularyOf(model: Phi2Model): { pieces: readonly string[]; types: readonly number[] | undefined } {
    return { pieces: model.tokens, types: model.tokenTypes };
}

