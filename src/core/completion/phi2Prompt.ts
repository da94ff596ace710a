// The Phi-2 completion prompt. Phi-2 is a base model without fill-in-the-middle tokens, so the
// prompt is the code before the cursor and nothing else: no file name, date or instruction that
// could change between requests and break KV prefix reuse. The text after the cursor is used only
// by the stop rules and post-processing.
//
// Lines are joined with "\n" whatever the document's line ending: the model saw "\n" in training,
// and a stable byte sequence keeps the token prefix stable.
//
// Indentation alone before the cursor (the editor auto-indented a new line) is left out of the
// prompt: BPE tokenizes `    return` as `   ` + ` return`, so a prompt ending in a bare indentation
// token is one the model rarely saw and continues badly. The model writes the indentation itself
// and post-processing removes what the editor already has (alignToCursorIndentation). This also
// keeps the prompt identical while the user adjusts indentation.
import { END_OF_TEXT } from "../phi2Vocabulary";
import type { DocumentSnapshot } from "../types";
import type { PrefixWindow } from "./contextWindow";

export function buildPhi2Prompt(document: DocumentSnapshot, window: PrefixWindow): string {
    const parts: string[] = [];
    for (let line = 0; line < window.headerEndLine; line++) parts.push(document.lineAt(line));
    for (let line = window.startLine; line < window.cursorLine; line++) parts.push(document.lineAt(line));
    parts.push(omittedCursorIndentation(window.textBeforeCursor) === "" ? window.textBeforeCursor : "");
    return parts.join("\n");
}

/** The cursor line's text before the cursor when it is only indentation (left out of the prompt), else "". */
export function omittedCursorIndentation(textBeforeCursor: string): string {
    return textBeforeCursor.length > 0 && textBeforeCursor.trim().length === 0 ? textBeforeCursor : "";
}

/** Stop strings handed to the model host: Phi-2 writes on after its end-of-text marker. */
export const PHI2_STOP_STRINGS: readonly string[] = [END_OF_TEXT];
