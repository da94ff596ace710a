// Lint rules, chiefly the one-way doors between the three rooms of the architecture:
//   src/core      pure TypeScript: no vscode, no node-llama-cpp, no Node-only process APIs
//   src/modelHost the only importer of node-llama-cpp; never vscode
//   src/vscode    the only importer of vscode (with src/extension.ts)
//   src/protocol  the host protocol, owned by neither side: pure types and constants
//   src/hostClient, src/cli, src/bench, src/download, src/modelFile: headless (neither vscode nor node-llama-cpp)
//   src/vscode, src/cli, src/bench reach the model host only through src/hostClient and src/protocol
//   src/serverClient  the llama-server backend: neither vscode nor node-llama-cpp, nor the model host
import tseslint from "typescript-eslint";

const noVscode = { name: "vscode", message: "Only src/vscode and src/extension.ts may import vscode." };
const noLlama = { name: "node-llama-cpp", message: "Only src/modelHost may import node-llama-cpp (it runs in a child process)." };
const corePaths = [noVscode, noLlama, { name: "child_process", message: "The core is pure: no processes." }, { name: "node:child_process", message: "The core is pure: no processes." }];
const outerLayers = ["**/vscode/**", "**/modelHost/**", "**/hostClient/**", "**/serverClient/**", "**/cli/**"];

export default tseslint.config(
    { ignores: ["dist/**", "node_modules/**", "out/**", "artifacts/**", "media/**", "test/fixtures/**", ".cache/**"] },
    ...tseslint.configs.recommended,
    {
        rules: {
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
            "@typescript-eslint/consistent-type-imports": "error",
            eqeqeq: ["error", "smart"],
            "no-console": "off",
        },
    },
    {
        files: ["src/core/**/*.ts"],
        rules: {
            "no-restricted-imports": ["error", {
                paths: corePaths,
                patterns: [{ group: outerLayers, message: "src/core must not depend on outer layers." }],
            }],
        },
    },
    {
        // The Python toolbox serves every core folder and depends on none of them.
        files: ["src/core/python/**/*.ts"],
        rules: {
            "no-restricted-imports": ["error", {
                paths: corePaths,
                patterns: [
                    { group: outerLayers, message: "src/core must not depend on outer layers." },
                    { group: ["../completion/**", "../explain/**", "../syntax/**", "../context/**"], message: "src/core/python is the shared Python toolbox: it depends only on core types." },
                ],
            }],
        },
    },
    {
        // Explain and the syntax guard share the toolbox with completion, not completion's own files.
        files: ["src/core/explain/**/*.ts", "src/core/syntax/**/*.ts"],
        rules: {
            "no-restricted-imports": ["error", {
                paths: corePaths,
                patterns: [
                    { group: outerLayers, message: "src/core must not depend on outer layers." },
                    { group: ["../completion/**"], message: "Use src/core/python (or a core type) instead of reaching into src/core/completion." },
                ],
            }],
        },
    },
    {
        files: ["src/protocol/**/*.ts"],
        rules: {
            "no-restricted-imports": ["error", {
                paths: [noVscode, noLlama],
                patterns: [{ group: ["**/vscode/**", "**/modelHost/**", "**/hostClient/**", "**/serverClient/**", "**/cli/**", "**/bench/**"], message: "The protocol is shared by both sides and depends on neither." }],
            }],
        },
    },
    {
        files: ["src/modelHost/**/*.ts"],
        rules: {
            "no-restricted-imports": ["error", {
                paths: [noVscode],
                patterns: [{ group: ["**/vscode/**", "**/hostClient/**", "**/cli/**"], message: "The model host depends only on core types and its protocol." }],
            }],
        },
    },
    {
        // The llama-server client: HTTP only; it shares the pure decoding and stop-string code of src/core/decoding.
        files: ["src/serverClient/**/*.ts"],
        rules: {
            "no-restricted-imports": ["error", {
                paths: [noVscode, noLlama],
                patterns: [{ group: ["**/vscode/**", "**/hostClient/**", "**/cli/**", "**/bench/**", "**/modelHost/**"], message: "The server client depends on the core and the protocol's types only." }],
            }],
        },
    },
    {
        files: ["src/hostClient/**/*.ts", "src/download/**/*.ts", "src/modelFile/**/*.ts"],
        rules: {
            "no-restricted-imports": ["error", {
                paths: [noVscode, noLlama],
                patterns: [{ group: ["**/vscode/**"], message: "Headless code must not depend on the VS Code layer." }],
            }],
        },
    },
    {
        files: ["src/cli/**/*.ts", "src/bench/**/*.ts"],
        ignores: ["src/bench/benchModel.ts"],
        rules: {
            "no-restricted-imports": ["error", {
                paths: [noVscode, noLlama],
                patterns: [
                    { group: ["**/vscode/**"], message: "Headless code must not depend on the VS Code layer." },
                    { group: ["**/modelHost/**"], message: "Talk to the model host through src/hostClient and src/protocol." },
                ],
            }],
        },
    },
    {
        // The one documented exception: the benchmark's IPC measurement loads the host's engine
        // in-process (as a type-only import of the separately bundled dist/bench/modelEngine.mjs).
        files: ["src/bench/benchModel.ts"],
        rules: {
            "no-restricted-imports": ["error", {
                paths: [noVscode, noLlama],
                patterns: [{ group: ["**/vscode/**"], message: "Headless code must not depend on the VS Code layer." }],
            }],
        },
    },
    {
        files: ["src/vscode/**/*.ts", "src/extension.ts"],
        rules: {
            "no-restricted-imports": ["error", {
                paths: [noLlama],
                patterns: [{ group: ["**/modelHost/**"], message: "Talk to the model host through src/hostClient and src/protocol." }],
            }],
        },
    },
);
