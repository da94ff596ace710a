// Where the tree-sitter WASM files are when running from the repository or an npm install: the
// `wasm/` folder of the `@vscode/tree-sitter-wasm` package, resolved from this file's location.
import { createRequire } from "node:module";
import * as path from "node:path";

export function locateTreeSitterWasmDirectory(): string {
    const require = createRequire(import.meta.url);
    try {
        return path.join(path.dirname(require.resolve("@vscode/tree-sitter-wasm/package.json")), "wasm");
    } catch (error) {
        throw new Error(`The package @vscode/tree-sitter-wasm is not installed next to ${import.meta.url} (run npm install): ${String(error)}`);
    }
}
