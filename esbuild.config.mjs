// Bundles the entry points:
//  - the extension (CommonJS, loaded by VS Code's extension host; `vscode` is provided by the host),
//  - the model host (ESM child process; node-llama-cpp is ESM-only and ships native addons, so it is
//    never bundled and is resolved from node_modules at run time),
//  - the headless CLI (ESM, same core and model host as the extension) and, for its benchmark, the
//    host's engine alone,
//  - the extension-host mocha suite (CommonJS, loaded by VS Code's test runner).
// `--watch` rebuilds on change; `--production` minifies without source maps.
import * as esbuild from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";

const watch = process.argv.includes("--watch");
const production = process.argv.includes("--production");

const common = {
    bundle: true,
    platform: "node",
    target: "node20",
    sourcemap: production ? false : "linked",
    minify: production,
    logLevel: "warning",
};

/** @type {esbuild.BuildOptions[]} */
const builds = [
    {
        ...common,
        entryPoints: ["src/extension.ts"],
        outfile: "dist/extension.js",
        format: "cjs",
        external: ["vscode"],
    },
    {
        ...common,
        entryPoints: ["src/modelHost/main.ts"],
        outfile: "dist/modelHost.mjs",
        format: "esm",
        external: ["node-llama-cpp"],
    },
    {
        ...common,
        entryPoints: ["src/cli/main.ts"],
        outfile: "dist/cli.mjs",
        format: "esm",
        // tree-sitter's CommonJS loader needs `__filename` at module load, which an ESM bundle
        // lacks: the CLI loads it from node_modules instead (the CommonJS extension bundle is fine).
        external: ["node-llama-cpp", "@vscode/tree-sitter-wasm"],
        banner: {
            // A shebang for the `bin` entry, and `require` for bundled CommonJS dependencies.
            js: "#!/usr/bin/env node\nimport { createRequire as __phi2CreateRequire } from 'node:module';\nconst require = __phi2CreateRequire(import.meta.url);",
        },
    },
    {
        // The host's engine alone, for the benchmark's in-process side of the IPC measurement.
        ...common,
        entryPoints: ["src/modelHost/engine/ModelEngine.ts"],
        outfile: "dist/bench/modelEngine.mjs",
        format: "esm",
        external: ["node-llama-cpp"],
    },
    {
        ...common,
        entryPoints: ["test/vscode/index.ts"],
        outfile: "dist/test/vscode/index.js",
        format: "cjs",
        external: ["vscode", "mocha"],
    },
];

// The syntax guard's parser runtime and Python grammar travel beside the extension bundle, so a
// packaged extension needs no node_modules for them (the loader falls back to node_modules).
function copyTreeSitterWasm() {
    const require = createRequire(import.meta.url);
    const wasmDirectory = path.join(path.dirname(require.resolve("@vscode/tree-sitter-wasm/package.json")), "wasm");
    mkdirSync("dist", { recursive: true });
    for (const file of ["tree-sitter.wasm", "tree-sitter-python.wasm"]) {
        copyFileSync(path.join(wasmDirectory, file), path.join("dist", file));
    }
}

copyTreeSitterWasm();
if (watch) {
    for (const options of builds) {
        const context = await esbuild.context(options);
        await context.watch();
    }
    console.log("esbuild: watching for changes");
} else {
    await Promise.all(builds.map((options) => esbuild.build(options)));
}
