// Checks every suggestion the replay showed, independently of the engine's own rules and guard:
//  - does it duplicate the text after the cursor (the rest of the line, a closing bracket already
//    there, or the next non-blank line)?
//  - does inserting it add parse errors to the WHOLE document (the engine's guard parses only the
//    enclosing top-level block), counted by a tree-sitter parser of its own?
import type { Node as TreeSitterNode, Parser as TreeSitterParser } from "@vscode/tree-sitter-wasm";
import { scanPython } from "../core/python/pythonScanner";
import { loadPythonParser } from "../core/syntax/pythonParser";
import type { Position } from "../core/types";
import type { TypedDocument } from "./TypedDocument";

export interface ShownCheck {
    /** Why it duplicates the text after the cursor, if it does. */
    readonly suffixDuplicate?: "restOfLine" | "closer" | "nextLine";
    readonly errorsBefore: number;
    readonly errorsAfter: number;
}

const CLOSERS: Readonly<Record<string, string>> = { ")": "(", "]": "[", "}": "{" };

/** A parser of its own (the same loader as the guard's), so the check is independent of the guard's parses. */
export async function createShownSuggestionChecker(wasmDirectory: string): Promise<ShownSuggestionChecker> {
    return new ShownSuggestionChecker(await loadPythonParser(wasmDirectory));
}

export class ShownSuggestionChecker {
    private lastSource: string | undefined;
    private lastErrors = 0;

    constructor(private readonly parser: TreeSitterParser) {}

    check(document: TypedDocument, position: Position, insertText: string): ShownCheck {
        const line = document.lineAt(position.line);
        const before = line.slice(0, position.character);
        const rest = line.slice(position.character);
        const source = document.text();
        const errorsBefore = this.errorsOf(source);
        const offset = offsetOf(document, position);
        const errorsAfter = this.errorsOf(source.slice(0, offset) + insertText + source.slice(offset));
        return { suffixDuplicate: suffixDuplicate(document, position, before, rest, insertText), errorsBefore, errorsAfter };
    }

    dispose(): void {
        this.parser.delete();
    }

    private errorsOf(source: string): number {
        if (source === this.lastSource) return this.lastErrors;
        // Python refuses any source with a NUL byte, and tree-sitter's recovery around one changes
        // with unrelated text elsewhere: a NUL parses as a space, so the count is what the suggestion adds.
        const tree = this.parser.parse(source.replaceAll("\0", " "));
        if (!tree) throw new Error("tree-sitter returned no tree");
        try {
            this.lastErrors = countProblems(tree.rootNode);
        } finally {
            tree.delete();
        }
        this.lastSource = source;
        return this.lastErrors;
    }
}

/** ERROR and MISSING nodes under `node`, visiting only subtrees that hold one. */
function countProblems(node: TreeSitterNode): number {
    if (node.isMissing) return 1;
    if (!node.hasError) return 0;
    let count = node.isError ? 1 : 0;
    for (const child of node.children) if (child) count += countProblems(child);
    return count;
}

function offsetOf(document: TypedDocument, position: Position): number {
    let offset = 0;
    for (let line = 0; line < position.line; line++) offset += document.lineAt(line).length + 1;
    return offset + position.character;
}

function suffixDuplicate(document: TypedDocument, position: Position, before: string, rest: string, insertText: string): ShownCheck["suffixDuplicate"] {
    const lines = insertText.split("\n");
    const firstLine = lines[0]!.trimEnd();
    const restTrimmed = rest.trim();
    // The whole rest of the line repeated at the end of the suggestion's first line.
    if (restTrimmed.length > 0 && lines.length === 1 && firstLine.endsWith(restTrimmed)) return "restOfLine";
    // A closing bracket the suggestion closes itself although the same closer follows the cursor.
    const next = rest.trimStart()[0];
    if (next !== undefined && CLOSERS[next] !== undefined && unbalancedClosers(firstLine, next) > 0) return "closer";
    // A suggestion line equal to the next non-blank document line.
    let nextLine: string | undefined;
    for (let index = position.line + 1; index < Math.min(document.lineCount, position.line + 50); index++) {
        const text = document.lineAt(index).trim();
        if (text.length > 0) {
            nextLine = text;
            break;
        }
    }
    if (nextLine !== undefined && nextLine.length >= 3) {
        for (let index = 0; index < lines.length; index++) {
            if (index === 0 && before.trim().length > 0) continue;
            if (lines[index]!.trim() === nextLine) return "nextLine";
        }
    }
    return undefined;
}

/** How many more `closer` than matching openers a text has (in its code, not its strings and comments). */
function unbalancedClosers(text: string, closer: string): number {
    const opener = CLOSERS[closer]!;
    let balance = 0;
    scanPython(text, {
        code: (char) => {
            if (char === opener) balance--;
            else if (char === closer) balance++;
        },
    });
    return balance;
}
