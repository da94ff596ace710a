// Exact text from token ids, decoded from the GGUF vocabulary itself.
//
// Why not llama.cpp's detokenizer: for the `gpt-2`/`phi-2` pre-tokenizers it "cleans up" spaces
// (`if x != y` comes back `if x!= y`, `from . import a` as `from. import a`), which would put
// wrong code into the editor. Here every token maps to its exact bytes:
//  - normal tokens are GPT-2 byte-level BPE strings: each character stands for one byte through
//    GPT-2's byte-to-unicode table, so we invert that table;
//  - user-defined tokens (CodeGen's runs of spaces and tabs) are stored as raw text;
//  - control, unknown and unused tokens produce no text.

/** GGUF `tokenizer.ggml.token_type` values (llama.cpp's llama_token_type). */
export const TokenType = {
    undefined: 0,
    normal: 1,
    unknown: 2,
    control: 3,
    userDefined: 4,
    unused: 5,
    byte: 6,
} as const;

/**
 * GPT-2's byte-to-unicode table, inverted: code point -> byte. Printable Latin-1 bytes stand for
 * themselves; the other 68 bytes (controls, space, 127-160, 173) were shifted to 256 and up in
 * byte order so that every byte has a visible character.
 */
function buildUnicodeToByte(): Map<number, number> {
    const isPrintable = (byte: number): boolean =>
        (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
    const table = new Map<number, number>();
    let shifted = 0;
    for (let byte = 0; byte < 256; byte++) {
        if (isPrintable(byte)) {
            table.set(byte, byte);
        } else {
            table.set(256 + shifted, byte);
            shifted++;
        }
    }
    return table;
}

const unicodeToByte = buildUnicodeToByte();
const utf8 = new TextEncoder();
const byteTokenPattern = /^<0x([0-9A-Fa-f]{2})>$/;

/** The bytes one vocabulary entry stands for. */
export function tokenBytes(piece: string, type: number): Uint8Array {
    switch (type) {
        case TokenType.normal:
        case TokenType.undefined: {
            const bytes: number[] = [];
            for (const character of piece) {
                const codePoint = character.codePointAt(0) ?? 0;
                const byte = unicodeToByte.get(codePoint);
                if (byte !== undefined) {
                    bytes.push(byte);
                } else {
                    // Not from the byte table (never in GPT-2's vocabulary): keep the character itself.
                    bytes.push(...utf8.encode(character));
                }
            }
            return Uint8Array.from(bytes);
        }
        case TokenType.userDefined:
            return utf8.encode(piece);
        case TokenType.byte: {
            const match = byteTokenPattern.exec(piece);
            return match ? Uint8Array.of(parseInt(match[1] ?? "0", 16)) : new Uint8Array(0);
        }
        default:
            return new Uint8Array(0);
    }
}

/** The token ids -> bytes table of one model, built once from its GGUF metadata. */
export class Vocabulary {
    private readonly bytesById: readonly Uint8Array[];

    constructor(pieces: readonly string[], types: readonly number[] | undefined) {
        this.bytesById = pieces.map((piece, id) => tokenBytes(piece, types?.[id] ?? TokenType.normal));
    }

    bytesOf(token: number): Uint8Array {
        return this.bytesById[token] ?? new Uint8Array(0);
    }

    /** Whole-sequence decoding (incomplete trailing UTF-8 is dropped, invalid bytes become U+FFFD). */
    decode(tokens: readonly number[]): string {
        const stream = this.createStream();
        return tokens.map((token) => stream.push(token)).join("");
    }

    /** A decoder for a token stream: multi-byte characters split across tokens come out whole. */
    createStream(): TokenTextStream {
        return new TokenTextStream(this);
    }
}

export class TokenTextStream {
    private readonly decoder = new TextDecoder("utf-8", { fatal: false });

    constructor(private readonly vocabulary: Vocabulary) {}

    /** Text completed by this token; bytes of an unfinished character wait for the next token. */
    push(token: number): string {
        const bytes = this.vocabulary.bytesOf(token);
        return bytes.length === 0 ? "" : this.decoder.decode(bytes, { stream: true });
    }
}
