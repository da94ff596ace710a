// Token counts estimated from characters, without a tokenizer (the tokenizer lives in the model
// host; asking it per keystroke would cost a round trip). The estimate errs on the high side so a
// window that "fits" really fits the context.

/**
 * Characters per token assumed for code. GPT-2 BPE averages about 3.5-4 characters per token on
 * Python; 3 overestimates tokens for ordinary code and stays safe for symbol-heavy lines.
 */
export const CHARACTERS_PER_TOKEN = 3;

/** Estimated tokens of one line plus its newline. Leading indentation is one CodeGen whitespace token. */
export function estimateLineTokens(line: string): number {
    let indent = 0;
    while (indent < line.length && (line.charCodeAt(indent) === 32 || line.charCodeAt(indent) === 9)) indent++;
    const rest = line.length - indent;
    // Runs of up to 31 spaces or 9 tabs are one token; counting 9 per token is safe for both.
    const indentTokens = Math.ceil(indent / 9);
    return indentTokens + Math.ceil(rest / CHARACTERS_PER_TOKEN) + 1;
}

/** Estimated tokens of a text fragment (no newline accounted). */
export function estimateTextTokens(text: string): number {
    return Math.ceil(text.length / CHARACTERS_PER_TOKEN);
}
