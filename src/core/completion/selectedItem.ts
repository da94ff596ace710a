// Completing while the editor's suggest widget (IntelliSense) is open. The editor shows ghost text
// then only if it starts with the selected item's text and replaces the same range (VS Code's
// `selectedCompletionInfo`), so the suggestion is computed for the document as it will be once the
// item is accepted, and offered as the item's text followed by the model's continuation.
import type { DocumentSnapshot, Position, Range } from "../types";

export interface SelectedItem {
    /** What the item replaces (typically the word typed so far). */
    readonly range: Range;
    /** The item's text that replaces it. */
    readonly text: string;
}

/**
 * The document with the item accepted, and the cursor right after its text. Only line access is
 * overlaid: the document itself is never copied.
 */
export function documentWithItem(document: DocumentSnapshot, item: SelectedItem): { readonly document: DocumentSnapshot; readonly position: Position } {
    const { start, end } = item.range;
    const inserted = item.text.split(/\r\n|\n/);
    const before = document.lineAt(start.line).slice(0, start.character);
    const after = document.lineAt(end.line).slice(end.character);
    const replacement = inserted.map((line, index) => (index === 0 ? before : "") + line + (index === inserted.length - 1 ? after : ""));
    const shift = inserted.length - 1 - (end.line - start.line);
    const lastInserted = inserted[inserted.length - 1]!;
    const position = {
        line: start.line + inserted.length - 1,
        character: (inserted.length === 1 ? before.length : 0) + lastInserted.length,
    };
    const overlay: DocumentSnapshot = {
        uri: document.uri,
        languageId: document.languageId,
        version: document.version,
        lineCount: document.lineCount + shift,
        eol: document.eol,
        ...(document.indent ? { indent: document.indent } : {}),
        lineAt(line: number): string {
            if (line < start.line) return document.lineAt(line);
            if (line < start.line + replacement.length) return replacement[line - start.line]!;
            return document.lineAt(line - shift);
        },
    };
    return { document: overlay, position };
}
