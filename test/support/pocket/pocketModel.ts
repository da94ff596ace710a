// The pocket Phi-2 committed with the repository (test/fixtures/models/pocket-phi2.gguf) and its
// sidecar (pocket-phi2.json: sha256, size, recipe version, training figures). Tests and
// `npm run fixtures` verify the file against the sidecar; only `npm run train:pocket` rewrites them.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { TINY_MODELS_DIRECTORY } from "../tinyModels";

export const POCKET_MODEL_PATH = join(TINY_MODELS_DIRECTORY, "pocket-phi2.gguf");
export const POCKET_SIDECAR_PATH = join(TINY_MODELS_DIRECTORY, "pocket-phi2.json");

export interface PocketSidecar {
    readonly file: string;
    readonly sha256: string;
    readonly bytes: number;
    readonly recipeVersion: number;
    readonly [key: string]: unknown;
}

export function sha256Of(contents: Uint8Array): string {
    return createHash("sha256").update(contents).digest("hex");
}

/** The model's path once its bytes match the sidecar; an error that says what to do otherwise. */
export async function verifyPocketModel(): Promise<{ path: string; sidecar: PocketSidecar }> {
    let sidecar: PocketSidecar;
    try {
        sidecar = JSON.parse(await readFile(POCKET_SIDECAR_PATH, "utf8")) as PocketSidecar;
    } catch (error) {
        throw new Error(`Cannot read ${POCKET_SIDECAR_PATH} (${error instanceof Error ? error.message : String(error)}): it is committed with the pocket model; restore it with git checkout.`);
    }
    let contents: Buffer;
    try {
        contents = await readFile(POCKET_MODEL_PATH);
    } catch {
        throw new Error(`${POCKET_MODEL_PATH} is missing: it is committed with the repository (git checkout -- ${POCKET_MODEL_PATH}); npm run train:pocket makes a new one.`);
    }
    const actual = sha256Of(contents);
    if (actual !== sidecar.sha256) {
        throw new Error(`${POCKET_MODEL_PATH} has sha256 ${actual}, but ${POCKET_SIDECAR_PATH} records ${sidecar.sha256}: restore both with git checkout, or re-train with npm run train:pocket.`);
    }
    return { path: POCKET_MODEL_PATH, sidecar };
}
