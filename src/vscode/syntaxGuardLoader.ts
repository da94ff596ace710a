// Loads the tree-sitter syntax guard for the extension. It improves suggestions but is not
// required: without it completions still work, and the log says why it is off.
import * as fs from "node:fs";
import * as path from "node:path";
import type * as vscode from "vscode";
import type { SyntaxGuard } from "../core/syntax/syntaxGuard";
import { createTreeSitterSyntaxGuard } from "../core/syntax/treeSitterSyntaxGuard";
import { errorText } from "../core/errorText";

const PYTHON_GRAMMAR = "tree-sitter-python.wasm";

/** The folder holding the tree-sitter WASM files: dist/ when packaged, node_modules in a checkout. */
export function findTreeSitterWasmDirectory(extensionPath: string): string | undefined {
    return wasmCandidates(extensionPath).find((directory) => fs.existsSync(path.join(directory, PYTHON_GRAMMAR)));
}

function wasmCandidates(extensionPath: string): string[] {
    return [path.join(extensionPath, "dist"), path.join(extensionPath, "node_modules", "@vscode", "tree-sitter-wasm", "wasm")];
}

export async function loadSyntaxGuard(extensionPath: string, log: vscode.LogOutputChannel): Promise<SyntaxGuard | undefined> {
    const wasmDirectory = findTreeSitterWasmDirectory(extensionPath);
    if (!wasmDirectory) {
        const candidates = wasmCandidates(extensionPath);
        log.warn(`${PYTHON_GRAMMAR} not found in ${candidates.join(" or ")}: suggestions are not syntax-checked.`);
        return undefined;
    }
    try {
        return await createTreeSitterSyntaxGuard({ wasmDirectory });
    } catch (error) {
        log.warn(`The Python parser could not be loaded (${errorText(error)}): suggestions are not syntax-checked.`);
        return undefined;
    }
}
