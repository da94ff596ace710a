// A document being edited by the simulated typist: lines plus a cursor, with the edits an editor
// makes (insert at the cursor, insert after it without moving, move right, delete backward, undo).
// Snapshots copy only the line array (references to the line strings), so a snapshot per
// keystroke stays cheap on a 10,000-line file and stays valid while the next edit happens.
import { snapshotOfLines } from "../core/python/textSnapshot";
import type { DocumentSnapshot, IndentStyle, Position } from "../core/types";

export interface DocumentState {
    readonly lines: readonly string[];
    readonly line: number;
    readonly character: number;
}

export class TypedDocument {
    private lines: string[];
    private line: number;
    private character: number;
    private version = 1;

    constructor(readonly uri: string, lines: readonly string[], cursor: Position, private readonly indent: IndentStyle = { insertSpaces: true, tabSize: 4 }) {
        this.lines = [...lines];
        this.line = cursor.line;
        this.character = cursor.character;
    }

    get position(): Position {
        return { line: this.line, character: this.character };
    }

    get lineCount(): number {
        return this.lines.length;
    }

    lineAt(line: number): string {
        return this.lines[line]!;
    }

    text(): string {
        return this.lines.join("\n");
    }

    /** The text on the cursor line after the cursor. */
    restOfLine(): string {
        return this.lines[this.line]!.slice(this.character);
    }

    snapshot(): DocumentSnapshot {
        return snapshotOfLines(this.lines.slice(), { uri: this.uri, version: this.version, indent: this.indent });
    }

    /** Inserts at the cursor; the cursor moves to the end of the inserted text. */
    insert(text: string): void {
        this.splice(text, true);
    }

    /** Inserts at the cursor without moving it (an auto-closed bracket). */
    insertAfterCursor(text: string): void {
        this.splice(text, false);
    }

    moveRight(): void {
        if (this.character >= this.lines[this.line]!.length) throw new Error("moveRight past the end of the line");
        this.character++;
        this.version++;
    }

    /** Deletes characters before the cursor on its line. */
    deleteBackward(count: number): void {
        if (count > this.character) throw new Error("deleteBackward past the start of the line");
        const current = this.lines[this.line]!;
        this.lines[this.line] = current.slice(0, this.character - count) + current.slice(this.character);
        this.character -= count;
        this.version++;
    }

    save(): DocumentState {
        return { lines: this.lines.slice(), line: this.line, character: this.character };
    }

    restore(state: DocumentState): void {
        this.lines = [...state.lines];
        this.line = state.line;
        this.character = state.character;
        this.version++;
    }

    private splice(text: string, moveCursor: boolean): void {
        const current = this.lines[this.line]!;
        const before = current.slice(0, this.character);
        const after = current.slice(this.character);
        const pieces = text.split("\n");
        const replaced = pieces.map((piece, index) => (index === 0 ? before : "") + piece + (index === pieces.length - 1 ? after : ""));
        this.lines.splice(this.line, 1, ...replaced);
        if (moveCursor) {
            this.line += pieces.length - 1;
            this.character = (pieces.length === 1 ? before.length : 0) + pieces[pieces.length - 1]!.length;
        }
        this.version++;
    }
}
