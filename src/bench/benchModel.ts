// Which model the benchmark runs on. `--model PATH`: that GGUF (a real Phi-2). Default: the tiny
// random Phi-2 the tests use (test/support/tinyModels.ts, built into test/fixtures/models/ when
// missing). That module cannot be bundled into dist/cli.mjs (it finds its cache folder from its
// own file location, which in a bundle would be dist/), so it is run from the repository with tsx,
// the repository's TypeScript runner: the benchmark is dev tooling run from a clone.
import { execFile } from "node:child_process";
import { access } from "node:fs/promises";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type * as ModelEngineSource from "../modelHost/engine/ModelEngine";

/** The repository around the built CLI (dist/cli.mjs -> the folder above dist/). */
export function repositoryRoot(cliBundlePath: string): string {
    return path.resolve(path.dirname(cliBundlePath), "..");
}

export function ensureTinyRandomModel(root: string): Promise<string> {
    return runModelMaker(root, "tinyModels.ts", "ensureRandomModel", { timeoutMs: 120_000, what: "the tiny test model" });
}

/**
 * The Phi-2-shaped Q4_K_M model (test/support/phi2ShapedModel.ts): built into the user's cache
 * folder when missing (~1.8 GB, ~10-60 s), its progress lines on our stderr.
 */
export function ensurePhi2ShapedModel(root: string): Promise<string> {
    return runModelMaker(root, "phi2ShapedModel.ts", "ensurePhi2ShapedModel", { timeoutMs: 15 * 60_000, what: "the Phi-2-shaped model", showProgress: true });
}

/** Runs `ensure*()` of a test/support module with tsx; resolves the model path it prints. */
function runModelMaker(root: string, moduleName: string, exportName: string, options: { timeoutMs: number; what: string; showProgress?: boolean }): Promise<string> {
    const modelsModule = path.join(root, "test", "support", moduleName);
    const script = `const loaded = await import(${JSON.stringify(pathToFileURL(modelsModule).href)});` +
        "const api = loaded." + exportName + " ? loaded : loaded.default;" +
        "process.stdout.write(await api." + exportName + "((message) => process.stderr.write(`bench: ${message}\\n`)));";
    return new Promise((resolve, reject) => {
        access(modelsModule).then(() => {
            const child = execFile(process.execPath, ["--import", "tsx", "--input-type=module", "--eval", script], { cwd: root, encoding: "utf8", timeout: options.timeoutMs }, (error, stdout, stderr) => {
                if (error) {
                    reject(new Error(`Could not make ${options.what} with tsx (${error.message.trim()}${stderr ? `: ${stderr.trim()}` : ""}). Run npm install in ${root}, or pass --model PATH.`));
                    return;
                }
                resolve(stdout.trim());
            });
            if (options.showProgress) child.stderr?.on("data", (chunk: string) => process.stderr.write(chunk));
        }, () => {
            reject(new Error(`${modelsModule} is not there to make ${options.what} (this needs a clone of the repository). Pass --model PATH to a Phi-2 GGUF file.`));
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
