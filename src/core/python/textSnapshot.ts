// A DocumentSnapshot over a plain string, for the CLI, the benchmark and tests (the extension
// wraps VS Code's TextDocument instead). Lines are split once, at construction.
import type { DocumentSnapshot, IndentStyle } from "../types";

export interface TextSnapshotOptions {
    readonly uri?: string;
    readonly languageId?: string;
    readonly version?: number;
    /** Indentation style; detected from the text when not given. */
    readonly indent?: IndentStyle;
}

/**
 * Lines as VS Code sees them: a byte order mark is not part of the text, and a lone CR ends a line
 * just as LF and CRLF do (so columns and line numbers match the editor's).
 */
export function createTextSnapshot(text: string, options: TextSnapshotOptions = {}): DocumentSnapshot {
    const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
    const eol: "\n" | "\r\n" = body.includes("\r\n") ? "\r\n" : "\n";
    return snapshotOfLines(body.split(/\r\n|\r|\n/), { ...options, eol });
}

/**
 * A DocumentSnapshot over lines already split (the array is kept, not copied: the caller must not
 * change it afterwards).
 */
export function snapshotOfLines(lines: readonly string[], options: TextSnapshotOptions & { readonly eol?: "\n" | "\r\n" } = {}): DocumentSnapshot {
    return {
        uri: options.uri ?? "untitled:snapshot.py",
        languageId: options.languageId ?? "python",
        version: options.version ?? 1,
        lineCount: lines.length,
        eol: options.eol ?? "\n",
        indent: options.indent ?? detectIndentStyle(lines),
        lineAt(line: number): string {
            const value = lines[line];
            if (value === undefined) throw new RangeError(`Line ${line} is outside the document (0..${lines.length - 1}).`);
            return value;
        },
    };
}

/** Tabs when more indented lines start with a tab than with spaces; 4 columns per level otherwise. */
export function detectIndentStyle(lines: readonly string[]): IndentStyle {
    let tabs = 0;
    let spaces = 0;
    for (const line of lines) {
        if (line.startsWith("\t")) tabs++;
        else if (line.startsWith(" ") && line.trim().length > 0) spaces++;
    }
    return { insertSpaces: tabs <= spaces, tabSize: 4 };
}
