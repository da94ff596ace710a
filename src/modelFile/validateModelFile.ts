// The check before a picked or downloaded file replaces the configured model: the same full check
// the model host runs before loading (checkModelFile), as a result instead of an exception.
import { checkModelFile, ModelFileProblem } from "./checkModelFile";
import { errorText } from "../core/errorText";

export type ModelFileCheck = { readonly ok: true; readonly architecture: string } | { readonly ok: false; readonly reason: string };

export async function validateModelFile(filePath: string): Promise<ModelFileCheck> {
    try {
        const model = await checkModelFile(filePath);
        return { ok: true, architecture: model.architecture };
    } catch (error) {
        if (error instanceof ModelFileProblem) return { ok: false, reason: error.message };
        return { ok: false, reason: `${filePath} could not be checked: ${errorText(error)}` };
    }
}
