// SyntaxGuard implementation with tree-sitter-python, from the WASM builds in
// `@vscode/tree-sitter-wasm` (no native module). The WASM files are loaded from a folder given by
// the caller: the package's own `wasm/` folder for the CLI and tests, a copy inside the extension
// for the VSIX bundle.
import * as treeSitterNamespace from "@vscode/tree-sitter-wasm";
import type { Parser as TreeSitterParser, Tree } from "@vscode/tree-sitter-wasm";
import { guardSuggestion } from "../completion/syntaxGuard";
import type { ParseErrorCounter, SyntaxGuard, SyntaxGuardInput, SyntaxGuardVerdict } from "../completion/syntaxGuard";

export interface TreeSitterSyntaxGuardOptions {
    /** Folder holding `tree-sitter.wasm` and `tree-sitter-python.wasm`. */
    readonly wasmDirectory: string;
}

// The package is CommonJS (`module.exports = {...}`): loaded from ESM its API sits on `default`.
type TreeSitterApi = typeof treeSitterNamespace;
const TreeSitter: TreeSitterApi = (treeSitterNamespace as unknown as { default?: TreeSitterApi }).default ?? treeSitterNamespace;

const RUNTIME_WASM = "tree-sitter.wasm";
const PYTHON_WASM = "tree-sitter-python.wasm";

let runtimeReady: Promise<void> | undefined;

/** Loads the tree-sitter runtime (once per process) and the Python grammar. */
export async function createTreeSitterSyntaxGuard(options: TreeSitterSyntaxGuardOptions): Promise<TreeSitterSyntaxGuard> {
    const directory = options.wasmDirectory.replace(/[\\/]+$/, "");
    runtimeReady ??= TreeSitter.Parser.init({ locateFile: (file: string) => `${directory}/${file}` });
    try {
        await runtimeReady;
    } catch (error) {
        runtimeReady = undefined;
        throw new Error(`Could not start the tree-sitter parser from ${directory}/${RUNTIME_WASM}: ${String(error)}`);
    }
    let python;
    try {
        python = await TreeSitter.Language.load(`${directory}/${PYTHON_WASM}`);
    } catch (error) {
        throw new Error(`Could not load the Python grammar ${directory}/${PYTHON_WASM}: ${String(error)}`);
    }
    const parser = new TreeSitter.Parser();
    parser.setLanguage(python);
    return new TreeSitterSyntaxGuard(parser);
}

/**
 * Recent parse results kept: a typed-ahead request re-checks the same text with the suggestion
 * inserted (the typed part moved from the suggestion into the document), so it costs one parse.
 */
const PARSE_MEMO_ENTRIES = 16;

export class TreeSitterSyntaxGuard implements SyntaxGuard {
    private readonly countErrors: ParseErrorCounter;
    private readonly memo = new Map<string, number>();

    constructor(private readonly parser: TreeSitterParser) {
        this.countErrors = (source) => this.parseErrors(source);
    }

    check(input: SyntaxGuardInput): SyntaxGuardVerdict {
        return guardSuggestion(input, this.countErrors);
    }

    /** Error and missing nodes in the parse of `source`. */
    parseErrors(source: string): number {
        const known = this.memo.get(source);
        if (known !== undefined) return known;
        const tree = this.parser.parse(source);
        if (!tree) return Number.MAX_SAFE_INTEGER;
        let errors: number;
        try {
            errors = countErrorNodes(tree);
        } finally {
            tree.delete();
        }
        if (this.memo.size >= PARSE_MEMO_ENTRIES) this.memo.delete(this.memo.keys().next().value as string);
        this.memo.set(source, errors);
        return errors;
    }

    dispose(): void {
        this.parser.delete();
    }
}

function countErrorNodes(tree: Tree): number {
    if (!tree.rootNode.hasError) return 0;
    const cursor = tree.walk();
    let count = 0;
    try {
        for (;;) {
            if (cursor.nodeType === "ERROR" || cursor.nodeIsMissing) count++;
            // Descend only into subtrees that hold an error.
            if (cursor.currentNode.hasError && cursor.gotoFirstChild()) continue;
            while (!cursor.gotoNextSibling()) {
                if (!cursor.gotoParent()) return count;
            }
        }
    } finally {
        cursor.delete();
    }
}
