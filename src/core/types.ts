// Plain data shared by the completion and explain pipelines. No `vscode`, no `node-llama-cpp`:
// the editor adapter (src/vscode) and the CLI (src/cli) both build these from their own inputs.

/** A zero-based position, as VS Code counts (line, UTF-16 column). */
export interface Position {
    readonly line: number;
    readonly character: number;
}

export interface Range {
    readonly start: Position;
    readonly end: Position;
}

/**
 * Read-only view of a document. Line access instead of one big string, so a 10,000-line file is
 * never copied on a keystroke: the pipeline reads only the lines its window needs.
 */
export interface DocumentSnapshot {
    /** Stable identity of the document (a URI string); keys caches and KV sequences. */
    readonly uri: string;
    readonly languageId: string;
    readonly version: number;
    readonly lineCount: number;
    /** Text of a line without its line ending. */
    lineAt(line: number): string;
    /** The document's line ending, used when a suggestion spans lines. */
    readonly eol: "\n" | "\r\n";
    /** Editor indentation, used to normalise the model's indentation. */
    readonly indent?: IndentStyle;
}

export interface IndentStyle {
    readonly insertSpaces: boolean;
    readonly tabSize: number;
}

/** Why a generation ended. */
export type StopReason =
    | "eos" // the model emitted <|endoftext|>
    | "maxTokens" // the token cap was reached
    | "stopRule" // a stop rule in the core cut it (the core cancels the rest)
    | "timeCap" // the time cap was reached; what was ready is returned
    | "cancelled" // the caller aborted (newer keystroke, Stop button)
    | "contextFull"; // prompt + generation reached the context size

/** Exact per-request counters, measured by the model host from the sequence's token meter. */
export interface GenerationCounters {
    /** Tokens in the prompt as sent. */
    readonly promptTokens: number;
    /** Prompt tokens already in the KV cache from an earlier request (not evaluated again). */
    readonly reusedTokens: number;
    /** Prompt tokens actually sent to the model in this request (input tokens). */
    readonly evaluatedTokens: number;
    /** Tokens generated. */
    readonly generatedTokens: number;
    /** Milliseconds spent evaluating the prompt. */
    readonly prefillMs: number;
    /** Milliseconds spent generating. */
    readonly generateMs: number;
    /** Milliseconds from the host receiving the request to its answer. */
    readonly totalMs: number;
}

export interface GenerationResult {
    /** Exact text of the generated tokens (decoded from the vocabulary, not llama.cpp's detokenizer). */
    readonly text: string;
    readonly stopReason: StopReason;
    readonly counters: GenerationCounters;
}
