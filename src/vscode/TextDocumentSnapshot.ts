// The core's DocumentSnapshot over a VS Code TextDocument: line access only, so a keystroke never
// copies the whole file (no getText()). The extension host updates a TextDocument only between
// event-loop turns, and the core reads its window synchronously when a request starts; a later
// edit cancels the request anyway.
import * as vscode from "vscode";
import type { DocumentSnapshot, IndentStyle } from "../core/types";

export class TextDocumentSnapshot implements DocumentSnapshot {
    readonly uri: string;
    readonly languageId: string;
    readonly version: number;
    readonly lineCount: number;
    readonly eol: "\n" | "\r\n";
    readonly indent?: IndentStyle;

    constructor(
        private readonly document: vscode.TextDocument,
        indent?: IndentStyle,
    ) {
        this.uri = document.uri.toString();
        this.languageId = document.languageId;
        this.version = document.version;
        this.lineCount = document.lineCount;
        this.eol = document.eol === vscode.EndOfLine.CRLF ? "\r\n" : "\n";
        if (indent) this.indent = indent;
    }

    lineAt(line: number): string {
        return this.document.lineAt(line).text;
    }

    /** The snapshot with the indentation of the editor showing the document, if one does. */
    static of(document: vscode.TextDocument): TextDocumentSnapshot {
        const editor = vscode.window.visibleTextEditors.find((candidate) => candidate.document === document);
        const { insertSpaces, tabSize } = editor?.options ?? {};
        const indent =
            typeof insertSpaces === "boolean" && typeof tabSize === "number" ? { insertSpaces, tabSize } : undefined;
        return new TextDocumentSnapshot(document, indent);
    }
}
