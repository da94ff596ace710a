// `npm run train:pocket`: the whole pocket Phi-2 recipe, re-run from scratch (about an hour of CPU).
//   1. tokenizeCorpus.ts   the stdlib corpus, split, as Phi-2 token ids (.cache/pocket/)
//   2. train_pocket.py     training with Debian's CPU PyTorch at nice 19 (loss curve in
//                          .cache/pocket/run/train-log.jsonl; resumes from its checkpoint)
//   3. exportPocketGguf.ts the GGUF + sidecar in test/fixtures/models/ (both committed)
// Options: --steps N (default: the recipe's), --export-only (step 3 from the last weight dump),
// --stdlib DIR (default /usr/lib/python3.11, the corpus the committed model was trained on).
// CI never runs this; `npm run fixtures` only verifies the committed file.
import { spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomically } from "../gguf/GgufWriter";
import { buildPocketGguf } from "./exportPocketGguf";
import { POCKET_MODEL_PATH, POCKET_SIDECAR_PATH, sha256Of } from "./pocketModel";
import { formatCorpusFileList, tokenizeCorpus } from "./tokenizeCorpus";

const here = dirname(fileURLToPath(import.meta.url));
const projectRoot = resolve(here, "..", "..", "..");
const WORK_DIRECTORY = join(projectRoot, ".cache", "pocket");
const RUN_DIRECTORY = join(WORK_DIRECTORY, "run");
const CORPUS_LIST_PATH = join(here, "corpusFiles.txt");
const TRAINING_SCRIPT = join(here, "train_pocket.py");
/** Debian's interpreter, which has python3-torch (the python3 first on PATH may be another one). */
const PYTHON = "/usr/bin/python3";
const DEFAULT_STDLIB = "/usr/lib/python3.11";

interface Options {
    readonly steps?: number;
    readonly exportOnly: boolean;
    readonly stdlib: string;
}

function parseOptions(argv: readonly string[]): Options {
    let steps: number | undefined;
    let exportOnly = false;
    let stdlib = DEFAULT_STDLIB;
    for (let i = 0; i < argv.length; i++) {
        const argument = argv[i];
        if (argument === "--export-only") exportOnly = true;
        else if (argument === "--steps" && /^\d+$/.test(argv[i + 1] ?? "")) steps = Number(argv[++i]);
        else if (argument === "--stdlib" && argv[i + 1] !== undefined) stdlib = resolve(argv[++i]!);
        else throw new Error(`Unknown argument "${argument}". Usage: npm run train:pocket -- [--steps N] [--export-only] [--stdlib DIR]`);
    }
    return { steps, exportOnly, stdlib };
}

/** Runs the training in a child at the lowest priority; the child dies with this process. */
function train(steps: number | undefined): Promise<void> {
    const args = ["-n", "19", PYTHON, TRAINING_SCRIPT, "--data", WORK_DIRECTORY, "--out", RUN_DIRECTORY, ...(steps === undefined ? [] : ["--steps", String(steps)])];
    const child = spawn("nice", args, { stdio: "inherit" });
    const stopChild = (): void => { child.kill("SIGTERM"); };
    process.once("SIGINT", stopChild);
    process.once("SIGTERM", stopChild);
    process.once("exit", stopChild);
    return new Promise((resolvePromise, reject) => {
        child.once("error", (error) => reject(new Error(`Could not start ${PYTHON} (${error.message}): install Debian's python3-torch and libopenblas0-pthread.`)));
        child.once("exit", (code, signal) => {
            process.off("SIGINT", stopChild);
            process.off("SIGTERM", stopChild);
            process.off("exit", stopChild);
            if (code === 0) resolvePromise();
            else reject(new Error(`Training stopped (${signal ?? `exit code ${code}`}); run npm run train:pocket again to resume from the checkpoint.`));
        });
    });
}

async function exportModel(): Promise<void> {
    const { manifest, gguf } = await buildPocketGguf(RUN_DIRECTORY);
    await mkdir(dirname(POCKET_MODEL_PATH), { recursive: true });
    await writeFileAtomically(POCKET_MODEL_PATH, gguf);
    const corpusList = await readFile(CORPUS_LIST_PATH, "utf8");
    const sidecar = {
        file: "pocket-phi2.gguf",
        sha256: sha256Of(gguf),
        bytes: gguf.length,
        recipeVersion: manifest.recipeVersion,
        recipe: "test/support/pocket/ (npm run train:pocket)",
        notPhi2: "A small model of the phi2 architecture trained by this project on the CPython standard library; not Microsoft's Phi-2.",
        config: manifest.config,
        usedTokenIds: manifest.usedIds.length,
        steps: manifest.step,
        trainedSeconds: Math.round(manifest.trainedSeconds),
        final: manifest.final ?? null,
        check: manifest.check ?? null,
        corpus: {
            stdlib: DEFAULT_STDLIB,
            trainingFiles: corpusList.split("\n").filter((line) => line.startsWith("train ")).length,
            heldOutFiles: corpusList.split("\n").filter((line) => line.startsWith("heldout ")).length,
            fileList: "test/support/pocket/corpusFiles.txt",
        },
    };
    await writeFile(POCKET_SIDECAR_PATH, `${JSON.stringify(sidecar, null, 2)}\n`);
    console.log(`pocket model ${POCKET_MODEL_PATH} ${(gguf.length / 1e6).toFixed(1)} MB sha256 ${sidecar.sha256} (step ${manifest.step})`);
}

async function main(): Promise<void> {
    const options = parseOptions(process.argv.slice(2));
    if (!options.exportOnly) {
        const { corpus, train: trainSplit, heldOut } = await tokenizeCorpus(options.stdlib, WORK_DIRECTORY);
        await writeFile(CORPUS_LIST_PATH, formatCorpusFileList(corpus));
        console.log(`corpus: ${trainSplit.files} training files (${trainSplit.tokens} tokens), ${heldOut.files} held-out files (${heldOut.tokens} tokens)`);
        await train(options.steps);
    }
    await exportModel();
}

main().then(
    () => process.exit(0),
    (error: unknown) => {
        console.error(error instanceof Error ? error.message : error);
        process.exit(1);
    },
);
