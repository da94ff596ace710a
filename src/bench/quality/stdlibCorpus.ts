// The pocket model's corpus: the CPython standard library of the machine's python3, split into
// training files and held-out files by a fixed rule on each file's relative path. The recipe
// (test/support/pocket/) trains on one part; the quality benchmark measures on the other, so the
// model is never scored on code it was trained on.
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import * as path from "node:path";

/** Folders that are tests or installed third-party code, not the library itself. */
const EXCLUDED_FOLDERS = new Set(["test", "tests", "idle_test", "site-packages", "dist-packages", "__pycache__", "pydoc_data"]);

/** Marker of the character-mapping tables written by gencodec.py: data, not code. */
const GENERATED_CODEC_MARKER = "gencodec.py";

/** One file in 16 (by a hash of its relative path) is held out; the salt names the split. */
const HELD_OUT_SALT = "pocket-phi2 held-out v1:";
const HELD_OUT_ONE_IN = 16;

export interface StdlibCorpus {
    readonly stdlibDirectory: string;
    /** Relative paths with "/" separators, sorted. */
    readonly trainingFiles: readonly string[];
    readonly heldOutFiles: readonly string[];
}

/** Whether a file (path relative to the stdlib folder, "/" separated) belongs to the held-out split. */
export function isHeldOutFile(relativePath: string): boolean {
    const digest = createHash("sha256").update(HELD_OUT_SALT + relativePath).digest();
    return digest.readUInt32BE(0) % HELD_OUT_ONE_IN === 0;
}

async function listPythonFilesRecursively(root: string, relative = ""): Promise<string[]> {
    const entries = await readdir(path.join(root, relative), { withFileTypes: true });
    const found: string[] = [];
    for (const entry of entries) {
        const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
        if (entry.isDirectory()) {
            if (!EXCLUDED_FOLDERS.has(entry.name)) found.push(...await listPythonFilesRecursively(root, child));
        } else if (entry.isFile() && entry.name.endsWith(".py")) {
            found.push(child);
        }
    }
    return found;
}

/** The library's .py files (no tests, no installed packages, no generated codec tables), split. */
export async function loadStdlibCorpus(stdlibDirectory: string): Promise<StdlibCorpus> {
    const candidates = (await listPythonFilesRecursively(stdlibDirectory)).sort();
    const files: string[] = [];
    for (const relativePath of candidates) {
        const text = await readFile(path.join(stdlibDirectory, relativePath), "utf8");
        if (!text.includes(GENERATED_CODEC_MARKER)) files.push(relativePath);
    }
    if (files.length === 0) throw new Error(`No Python files found under ${stdlibDirectory}: is it the standard library folder of python3?`);
    return {
        stdlibDirectory,
        trainingFiles: files.filter((file) => !isHeldOutFile(file)),
        heldOutFiles: files.filter(isHeldOutFile),
    };
}
