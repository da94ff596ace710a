// The Phi-2-shaped benchmark model (gguf/phi2ShapedGguf.ts): ~1.8 GB, so it lives in a cache folder
// outside the repository (never committed), is built on demand by `npm run bench -- --phi2-shape`,
// and its file name hashes the generator version, so a changed recipe makes a new file.
//
//   ensurePhi2ShapedModel()   path of the model, built when missing (~1 min, written atomically)
import { createHash } from "node:crypto";
import { mkdir, readdir, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { createPhi2ShapedWriter, NEWLINE_BIAS, PHI2_SHAPE } from "./gguf/phi2ShapedGguf";
import { fileExists } from "./tinyModels";

/** Bump when the generated file changes. */
export const PHI2_SHAPED_GENERATOR_VERSION = 2;
const SEED = 1;

/** $PHI2_COMPLETE_CACHE, else $XDG_CACHE_HOME/phi2-complete, else ~/.cache/phi2-complete; then models/. */
export function phi2ShapedModelsDirectory(): string {
    const base = process.env.PHI2_COMPLETE_CACHE
        ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "phi2-complete");
    return join(base, "models");
}

function modelFileName(): string {
    const hash = createHash("sha256")
        .update(JSON.stringify({ version: PHI2_SHAPED_GENERATOR_VERSION, shape: PHI2_SHAPE, seed: SEED, newlineBias: NEWLINE_BIAS }))
        .digest("hex")
        .slice(0, 12);
    return `phi2-shaped-random-Q4_K_M-${hash}.gguf`;
}

/** Absolute path of the Phi-2-shaped Q4_K_M model; builds it when missing. */
export async function ensurePhi2ShapedModel(progress: (message: string) => void = () => undefined): Promise<string> {
    const directory = phi2ShapedModelsDirectory();
    const path = join(directory, modelFileName());
    if (await fileExists(path)) return path;
    await mkdir(directory, { recursive: true });
    // Older recipes' files are 1.8 GB each: keep only the current one.
    for (const name of await readdir(directory)) {
        if (name.startsWith("phi2-shaped-random-") && name.endsWith(".gguf")) await rm(join(directory, name), { force: true });
    }
    progress(`building the Phi-2-shaped model (random weights, Q4_K_M, ~1.8 GB) into ${path}`);
    const started = performance.now();
    await createPhi2ShapedWriter(SEED).writeToFile(path);
    progress(`built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return path;
}
