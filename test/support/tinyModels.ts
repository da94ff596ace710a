// Tiny GGUF models of the real `phi2` architecture, with the real Phi-2 tokenizer, for tests.
//
//   ensureRandomModel()            random weights; emits real (meaningless) text, never <|endoftext|>
//   ensureScriptedModel(script)    greedy decoding replays the script, then emits <|endoftext|>
//
// Files are cached in test/fixtures/models/ (git-ignored) under names hashing the generator
// version and the script, built when missing, and written atomically (temp file + rename) so
// parallel test processes never see a half-written file.
import { createHash } from "node:crypto";
import { access, mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Llama, LlamaModel } from "node-llama-cpp";
import { writeFileAtomically } from "./gguf/GgufWriter";
import { END_OF_TEXT_TOKEN } from "./gguf/phi2Vocabulary";
import { createRandomPhi2Weights } from "./gguf/randomPhi2";
import { createScriptedPhi2Weights, planScripts, ScriptConflictError } from "./gguf/scriptedPhi2";
import { buildTinyPhi2Gguf, TINY_PHI2 } from "./gguf/tinyPhi2";

export { END_OF_TEXT_TOKEN, ScriptConflictError, TINY_PHI2 };

/** Bump when the generated files change, so stale caches are not reused. */
export const TINY_MODEL_GENERATOR_VERSION = 3;

const RANDOM_MODEL_SEED = 2;

/**
 * Scripts shared by the test suites. Each replays after any prompt ending with a prefix of it
 * (the model looks at the last three tokens), and ends with <|endoftext|>.
 */
export const SCRIPTS = {
    /** Prompt `def add(a, b):\n` continues `    return a + b\n`, then <|endoftext|>. */
    add: "def add(a, b):\n    return a + b\n",
    /**
     * Text that must reach the editor byte for byte: spaces before `!=` and `.` (llama.cpp's own
     * detokenizer drops them for the phi-2 pre-tokenizer), a tab-indented line, multi-byte UTF-8
     * (an emoji spans several tokens).
     */
    exactText: 'if x != y:\n    from . import a\n\tpass\ns = "héllo ✓ 🙂"\n',
    /** A multi-line body (two indentation levels) after `def area(w, h):\n`. */
    multiLine:
        "def area(w, h):\n" +
        "    if w < 0:\n" +
        '        raise ValueError("negative width")\n' +
        "    result = w * h\n" +
        "    return result\n",
    /** Continuation of an explain prompt (which ends with "```\nOutput:"), in Phi-2's QA style. */
    explain:
        "```\nOutput: The function `add` takes two numbers, a and b, and returns their sum.\n\n" +
        "1. First it receives the two arguments\n" +
        "2. Then it adds them with the + operator\n" +
        "3. Finally the result goes back to the caller\n",
} as const;

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const TINY_MODELS_DIRECTORY = join(projectRoot, "test", "fixtures", "models");

function cacheName(kind: string, content: unknown): string {
    const hash = createHash("sha256")
        .update(JSON.stringify({ version: TINY_MODEL_GENERATOR_VERSION, tiny: TINY_PHI2, kind, content }))
        .digest("hex")
        .slice(0, 16);
    return join(TINY_MODELS_DIRECTORY, `tiny-phi2-${kind}-${hash}.gguf`);
}

/** Whether a cached model file is there. */
export async function fileExists(path: string): Promise<boolean> {
    try {
        await access(path);
        return true;
    } catch {
        return false;
    }
}

/** One build per file per process; other processes are covered by the atomic rename. */
const builds = new Map<string, Promise<string>>();

function ensureFile(path: string, build: () => Promise<Uint8Array>): Promise<string> {
    let pending = builds.get(path);
    if (pending === undefined) {
        pending = (async () => {
            if (await fileExists(path)) return path;
            const contents = await build();
            await mkdir(dirname(path), { recursive: true });
            await writeFileAtomically(path, contents);
            return path;
        })();
        builds.set(path, pending);
        pending.catch(() => builds.delete(path));
    }
    return pending;
}

/** Absolute path of the random tiny Phi-2 (~15 MB), built if missing. */
export function ensureRandomModel(): Promise<string> {
    return ensureFile(cacheName("random", RANDOM_MODEL_SEED), async () =>
        buildTinyPhi2Gguf(createRandomPhi2Weights(RANDOM_MODEL_SEED), { name: "tiny-phi2-random", embeddingType: "f16", outputType: "f16" }));
}

/**
 * Absolute path of a tiny Phi-2 whose greedy decoding replays `script` (or each of the scripts):
 * after any prompt that ends with a prefix of a script, it generates the rest of that script and
 * then <|endoftext|>. The model sees only the current token and the two before it, so three
 * tokens followed by two different tokens are a conflict: it throws ScriptConflictError naming
 * the tokens (choose another script then). Rarely, a script too intricate for the 64-wide model
 * is also rejected with ScriptConflictError.
 */
export function ensureScriptedModel(script: string | readonly string[]): Promise<string> {
    const scripts = typeof script === "string" ? [script] : [...script];
    if (scripts.length === 0 || scripts.some((text) => text.length === 0)) {
        return Promise.reject(new Error("ensureScriptedModel needs at least one non-empty script"));
    }
    return ensureFile(cacheName("scripted", scripts), async () => {
        const tokenizer = await loadTokenizer();
        const tokenized = scripts.map((text) => tokenizer.tokenize(text));
        const plan = planScripts(tokenized, tokenizer.describe);
        const weights = createScriptedPhi2Weights(plan, tokenizer.describe);
        return buildTinyPhi2Gguf(weights, { name: "tiny-phi2-scripted", embeddingType: "f16", outputType: "f16" });
    });
}

interface TinyTokenizer {
    tokenize(text: string): number[];
    describe(token: number): string;
}

let tokenizerPromise: Promise<TinyTokenizer> | undefined;

/**
 * llama.cpp's own tokenizer (vocabulary-only load of the random model), so script token ids are
 * exactly what llama.cpp will see at generation time.
 */
export function loadTokenizer(): Promise<TinyTokenizer> {
    tokenizerPromise ??= (async () => {
        const modelPath = await ensureRandomModel();
        const llama = await getTestLlama();
        const model: LlamaModel = await llama.loadModel({ modelPath, vocabOnly: true });
        return {
            tokenize: (text: string) => [...model.tokenize(text)],
            describe: (token: number) => `${JSON.stringify(model.detokenize([token as never], true))} (id ${token})`,
        };
    })();
    tokenizerPromise.catch(() => { tokenizerPromise = undefined; });
    return tokenizerPromise;
}

/** Tokenizes with llama.cpp's Phi-2 tokenizer (no special tokens parsed). */
export async function tokenizeForTinyModel(text: string): Promise<number[]> {
    return (await loadTokenizer()).tokenize(text);
}

let llamaPromise: Promise<Llama> | undefined;

/**
 * The CPU-only llama.cpp binding these tests use. node-llama-cpp is ESM with top-level await, so it
 * is imported dynamically (test files run as CommonJS under tsx).
 */
export function getTestLlama(): Promise<Llama> {
    llamaPromise ??= (async () => {
        const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");
        return getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error, progressLogs: false });
    })();
    return llamaPromise;
}

