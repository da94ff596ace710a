// Phi-2's token table (id -> text and llama.cpp token type) as llama.cpp's converter writes it into a
// Phi-2 GGUF: GPT-2's byte-level BPE tokens, then the runs of spaces and tabs Phi-2 inherited from
// CodeGen, then padding up to 51,200 ids. Built from GPT-2's `encoder.json` (text -> id), so the
// test models and the server client (which cannot read the server's GGUF) share one definition.

/** llama.cpp's llama_token_type values stored in `tokenizer.ggml.token_type`. */
export const Phi2TokenType = { normal: 1, control: 3, userDefined: 4, unused: 5 } as const;

export const PHI2_VOCAB_SIZE = 51200;
export const END_OF_TEXT_TOKEN = 50256;
export const FIRST_SPACE_RUN_TOKEN = 50257; // 31 spaces; ids up to 50286 count down to 2 spaces
export const FIRST_TAB_RUN_TOKEN = 50287; // 9 tabs; ids up to 50294 count down to 2 tabs
export const FIRST_PADDING_TOKEN = 50295;

export interface Phi2TokenTable {
    /** Token text per id: GPT-2 byte-level strings, raw whitespace runs, `[PAD<id>]` padding. */
    readonly tokens: readonly string[];
    readonly tokenTypes: Int32Array;
}

/** `gpt2Encoder` is GPT-2's encoder.json (byte-level token text -> id); `source` names it in errors. */
export function buildPhi2TokenTable(gpt2Encoder: Readonly<Record<string, number>>, source: string): Phi2TokenTable {
    const tokens = new Array<string>(PHI2_VOCAB_SIZE);
    const tokenTypes = new Int32Array(PHI2_VOCAB_SIZE);
    for (const [text, id] of Object.entries(gpt2Encoder)) {
        tokens[id] = text;
        tokenTypes[id] = Phi2TokenType.normal;
    }
    if (tokens[END_OF_TEXT_TOKEN] !== "<|endoftext|>") {
        throw new Error(`${source}: expected <|endoftext|> at id ${END_OF_TEXT_TOKEN}, found ${JSON.stringify(tokens[END_OF_TEXT_TOKEN])}`);
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
    if (missing !== -1) throw new Error(`${source}: no token with id ${missing}`);
    return { tokens, tokenTypes };
}
