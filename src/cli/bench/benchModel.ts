// Which model the benchmark runs on. `--model PATH`: that GGUF (a real Phi-2). Default: the tiny
// random Phi-2 the tests use (test/support/tinyModels.ts, built into test/fixtures/models/ when
// missing). That module cannot be bundled into dist/cli.mjs (it finds its cache folder from its
// own file location, which in a bundle would be dist/), so it is run from the repository with tsx,
// the repository's TypeScript runner: the benchmark is dev tooling run from a clone.
import { execFile } from "node:child_process";
import { access } from "node:fs/promises";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type * as ModelEngineSource from "../../modelHost/engine/ModelEngine";

/** The repository around the built CLI (dist/cli.mjs -> the folder above dist/). */
export function repositoryRoot(cliBundlePath: string): string {
    return path.resolve(path.dirname(cliBundlePath), "..");
}

export async function ensureTinyRandomModel(root: string): Promise<string> {
    const modelsModule = path.join(root, "test", "support", "tinyModels.ts");
    try {
        await access(modelsModule);
    } catch {
        throw new Error(`No model given and ${modelsModule} is not there to make the tiny test model (the default needs a clone of the repository). Pass --model PATH to a Phi-2 GGUF file.`);
    }
    const script = `const loaded = await import(${JSON.stringify(pathToFileURL(modelsModule).href)});` +
        "const api = loaded.ensureRandomModel ? loaded : loaded.default;" +
        "process.stdout.write(await api.ensureRandomModel());";
    return new Promise((resolve, reject) => {
        execFile(process.execPath, ["--import", "tsx", "--input-type=module", "--eval", script], { cwd: root, encoding: "utf8", timeout: 120_000 }, (error, stdout, stderr) => {
            if (error) {
                reject(new Error(`Could not make the tiny test model with tsx (${error.message.trim()}${stderr ? `: ${stderr.trim()}` : ""}). Run npm install in ${root}, or pass --model PATH.`));
                return;
            }
            resolve(stdout.trim());
        });
    });
}

export type ModelEngineModule = typeof ModelEngineSource;

/**
 * The model host's engine module (src/modelHost/engine/ModelEngine.ts) for the in-process side of
 * the IPC measurement, built by esbuild.config.mjs into dist/bench/modelEngine.mjs exactly as the
 * host's bundle is (ESM, node-llama-cpp external). It is not part of dist/cli.mjs because esbuild
 * hoists the external node-llama-cpp import to the top of a bundle, even out of a lazily loaded
 * module: every CLI command would then pay for importing node-llama-cpp (~0.7 s).
 */
export async function loadModelEngineModule(root: string): Promise<ModelEngineModule> {
    const bundle = path.join(root, "dist", "bench", "modelEngine.mjs");
    try {
        await access(bundle);
    } catch {
        throw new Error(`The IPC measurement needs ${bundle}: run npm run build in ${root}.`);
    }
    return (await import(pathToFileURL(bundle).href)) as ModelEngineModule;
}
