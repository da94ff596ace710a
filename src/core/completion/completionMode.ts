// Single-line or multi-line: a whole block is suggested only where the cursor opens one (after a
// `:` and a newline, in an empty body, after an opening docstring quote); inside a line the
// suggestion ends at the end of the line.
import type { DocumentSnapshot, Position } from "../types";
import type { MultilineMode } from "./CompletionSettings";
import { indentWidth, isBlank } from "../python/indentation";
import { withoutComment } from "../python/pythonScanner";

export type CompletionMode = "singleLine" | "multiLine";

export interface CompletionModeDecision {
    readonly mode: CompletionMode;
    /** Why, for logs and stats. */
    readonly because: "setting" | "textAfterCursor" | "opensBlock" | "docstring" | "emptyBody" | "insideLine";
}

/** Lines looked at above and below the cursor at most (the decision is local). */
const MODE_SCAN_LINES = 50;

const OPENS_DOCSTRING = /^[rRuUbBfF]{0,2}("""|''')$/;

export function chooseCompletionMode(document: DocumentSnapshot, position: Position, setting: MultilineMode, tabSize = 4): CompletionModeDecision {
    const line = document.lineAt(position.line);
    const before = line.slice(0, position.character);
    const after = line.slice(position.character);
    if (!isBlank(after)) return { mode: "singleLine", because: "textAfterCursor" };
    if (setting === "never") return { mode: "singleLine", because: "setting" };
    if (setting === "always") return { mode: "multiLine", because: "setting" };

    const beforeTrimmed = before.trim();
    if (opensDocstring(beforeTrimmed)) return { mode: "multiLine", because: "docstring" };
    // At the end of a line that opens a block (`def f():|`): the body follows on new lines.
    if (endsWithColon(before)) return { mode: "multiLine", because: "opensBlock" };
    if (beforeTrimmed.length > 0) return { mode: "singleLine", because: "insideLine" };

    // The cursor is on a blank line (or in its indentation).
    const previous = findNonBlankLine(document, position.line - 1, -1);
    if (previous === undefined) return { mode: "multiLine", because: "emptyBody" }; // top of the file
    const previousText = document.lineAt(previous);
    const cursorIndent = indentWidth(before, tabSize);
    const previousIndent = indentWidth(previousText, tabSize);
    if (endsWithColon(previousText) && cursorIndent > previousIndent) return { mode: "multiLine", because: "opensBlock" };

    // An empty rest of the body: nothing follows at the cursor's indentation (end of a block or of
    // the file), and the line above ends a docstring or the cursor is at top level.
    const next = findNonBlankLine(document, position.line + 1, 1);
    const bodyContinues = next !== undefined && indentWidth(document.lineAt(next), tabSize) >= cursorIndent && cursorIndent > 0;
    if (!bodyContinues && (endsDocstring(previousText) || cursorIndent === 0)) return { mode: "multiLine", because: "emptyBody" };
    return { mode: "singleLine", because: "insideLine" };
}

function opensDocstring(trimmedBefore: string): boolean {
    if (OPENS_DOCSTRING.test(trimmedBefore)) return true;
    // `x = """` or `def f(): """` also open one when the line holds a single triple quote.
    const quote = trimmedBefore.endsWith('"""') ? '"""' : trimmedBefore.endsWith("'''") ? "'''" : undefined;
    return quote !== undefined && trimmedBefore.split(quote).length === 2;
}

function endsDocstring(text: string): boolean {
    const trimmed = text.trim();
    return trimmed.endsWith('"""') || trimmed.endsWith("'''");
}

/** Ends with `:` once a trailing comment is removed. */
function endsWithColon(text: string): boolean {
    return withoutComment(text).trimEnd().endsWith(":");
}

function findNonBlankLine(document: DocumentSnapshot, from: number, direction: 1 | -1): number | undefined {
    for (let line = from, scanned = 0; line >= 0 && line < document.lineCount && scanned < MODE_SCAN_LINES; line += direction, scanned++) {
        if (!isBlank(document.lineAt(line))) return line;
    }
    return undefined;
}
