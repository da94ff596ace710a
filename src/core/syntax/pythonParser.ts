// The tree-sitter Python parser, from the WASM builds in `@vscode/tree-sitter-wasm` (no native
// module). The WASM files are loaded from a folder given by the caller: the package's own `wasm/`
// folder for the CLI and tests, a copy inside the extension for the VSIX bundle. Shared by the
// syntax guard and the project-context outline.
import * as treeSitterNamespace from "@vscode/tree-sitter-wasm";
import type { Parser as TreeSitterParser } from "@vscode/tree-sitter-wasm";

// The package is CommonJS (`module.exports = {...}`): loaded from ESM its API sits on `default`.
type TreeSitterApi = typeof treeSitterNamespace;
const TreeSitter: TreeSitterApi = (treeSitterNamespace as unknown as { default?: TreeSitterApi }).default ?? treeSitterNamespace;

const RUNTIME_WASM = "tree-sitter.wasm";
const PYTHON_WASM = "tree-sitter-python.wasm";

let runtimeReady: Promise<void> | undefined;

/** A new parser set to Python; the runtime is initialised once per process. */
export async function loadPythonParser(wasmDirectory: string): Promise<TreeSitterParser> {
    const directory = wasmDirectory.replace(/[\\/]+$/, "");
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
    return parser;
}
