// Packs the extension into a VSIX for one platform (`npm run package` builds dist/ first).
//
//   node .ci/package-vsix.mjs [--target <vsce target>] [--gpu vulkan,cuda] [--out <file.vsix>]
//
// The default target is this machine's (PHI2_VSIX_TARGET / PHI2_VSIX_GPU also set them).
//
// node-llama-cpp is ESM with native binaries and is not bundled, so the VSIX carries it in
// node_modules with its whole runtime dependency closure. A plain install also holds prebuilt
// binaries for other platforms and GPU backends (hundreds of MB): only the target's binary
// package is shipped. The VSIX is packed from a staging folder holding exactly what ships:
//   - the extension's own files: .vscodeignore's allow-list, applied by vsce to this repository;
//   - node_modules: node-llama-cpp's closure, without source maps, type declarations and the
//     llama.cpp source bundle;
//   - package.json with `dependencies` narrowed to what node_modules holds (vsce runs
//     `npm list --production` there and stops at a missing dependency; markdown-it and the
//     tree-sitter runtime are inside dist/extension.js).
// Staging, rather than re-including the closure through ignore patterns, keeps this fast: vsce
// compiles every pattern again for every file of the repository and of all dependencies (over
// a minute with ~120 package patterns).
// vsce's API is used rather than its CLI: the CLI asks the npm registry for its latest version
// when run in a terminal; packaging needs no network.
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const vsce = createRequire(import.meta.url)("@vscode/vsce");

/**
 * vsce target -> node-llama-cpp's prebuilt binary packages (@node-llama-cpp/<name>) per backend,
 * as node-llama-cpp 3.21 looks them up. The CPU package always ships; GPU packages only when
 * asked for (--gpu), since the CUDA build alone is over 500 MB. Apple Silicon's prebuilt binary
 * is the Metal one.
 */
const BINARY_PACKAGES_BY_TARGET = {
    "linux-x64": { cpu: ["linux-x64"], vulkan: ["linux-x64-vulkan"], cuda: ["linux-x64-cuda", "linux-x64-cuda-ext"] },
    "linux-arm64": { cpu: ["linux-arm64"] },
    "linux-armhf": { cpu: ["linux-armv7l"] },
    "darwin-arm64": { cpu: ["mac-arm64-metal"] },
    "darwin-x64": { cpu: ["mac-x64"] },
    "win32-x64": { cpu: ["win-x64"], vulkan: ["win-x64-vulkan"], cuda: ["win-x64-cuda", "win-x64-cuda-ext"] },
    "win32-arm64": { cpu: ["win-arm64"] },
};

/** Node's `process.platform` and `process.arch` on each target, for packages' `os` and `cpu` fields. */
function platformOfTarget(target) {
    const [os, arch] = target.split("-");
    return { os, cpu: arch === "armhf" ? "arm" : arch };
}

/** Whether a package's `os`/`cpu` fields (e.g. ["linux"], ["!win32"]) admit the target. */
function fitsTarget(manifest, target) {
    const { os, cpu } = platformOfTarget(target);
    const admits = (allowed, value) => {
        if (!Array.isArray(allowed) || allowed.length === 0) return true;
        if (allowed.includes(`!${value}`)) return false;
        return allowed.includes(value) || allowed.every((entry) => entry.startsWith("!"));
    };
    return admits(manifest.os, os) && admits(manifest.cpu, cpu);
}

/** Packages of node-llama-cpp's closure that nothing loads at run time. */
const UNUSED_AT_RUN_TIME = new Set([
    // An optional peer dependency, imported only by node-llama-cpp's `inspect gpu` CLI command (24 MB).
    "typescript",
]);

/**
 * Files never shipped from node_modules: source maps, type declarations, and node-llama-cpp's git
 * bundle of the llama.cpp sources (34 MB), used only to compile llama.cpp, which the model host
 * never does (`build: "never"`).
 */
function isShippedDependencyFile(fileName) {
    return !/\.(map|d\.ts|d\.mts|d\.cts)$/.test(fileName) && fileName !== "gitRelease.bundle";
}

function hostTarget() {
    const platform = { linux: "linux", darwin: "darwin", win32: "win32" }[process.platform];
    const arch = { x64: "x64", arm64: "arm64", arm: "armhf" }[process.arch];
    return platform && arch ? `${platform}-${arch}` : undefined;
}

function fail(message) {
    console.error(`[package] ERROR: ${message}`);
    process.exit(1);
}

function readPackageJson(directory) {
    return JSON.parse(readFileSync(path.join(directory, "package.json"), "utf8"));
}

/** Node's lookup of `name` from a package directory: its own node_modules, then each parent's. */
function resolvePackageDirectory(name, fromDirectory) {
    let directory = fromDirectory;
    for (;;) {
        const candidate = path.join(directory, "node_modules", name);
        if (existsSync(path.join(candidate, "package.json"))) return candidate;
        const parent = path.dirname(directory);
        if (parent === directory || path.relative(projectRoot, parent).startsWith("..")) return undefined;
        directory = parent;
    }
}

/**
 * node-llama-cpp and every package it needs at run time on `target` (dependencies, installed
 * optional dependencies that run there, required peers) as directories relative to the project
 * root; of node-llama-cpp's binary packages, only `binaryPackages`.
 */
function runtimeClosure(target, binaryPackages) {
    const wantedBinaries = new Set(binaryPackages.map((name) => `@node-llama-cpp/${name}`));
    const found = new Set();
    const missingBinaries = new Set(wantedBinaries);
    const pending = [{ name: "node-llama-cpp", from: projectRoot, optional: false, requiredBy: "package.json" }];
    while (pending.length > 0) {
        const { name, from, optional, requiredBy } = pending.pop();
        if (name.startsWith("@node-llama-cpp/") && !wantedBinaries.has(name)) continue;
        if (UNUSED_AT_RUN_TIME.has(name)) continue;
        const directory = resolvePackageDirectory(name, from);
        if (!directory) {
            if (optional) continue;
            fail(`${name} (needed by ${requiredBy}) is not installed: run \`npm ci\`.`);
        }
        const relative = path.relative(projectRoot, directory);
        if (found.has(relative)) continue;
        const manifest = readPackageJson(directory);
        // Native builds of optional dependencies for this machine (e.g. @reflink/reflink-linux-x64-gnu)
        // stay out of another target's VSIX.
        if (!fitsTarget(manifest, target)) {
            if (optional) continue;
            fail(`${name} (needed by ${requiredBy}) does not run on ${target} (os ${JSON.stringify(manifest.os ?? [])}, cpu ${JSON.stringify(manifest.cpu ?? [])}).`);
        }
        found.add(relative);
        missingBinaries.delete(name);
        const optionalPeers = new Set(
            Object.entries(manifest.peerDependenciesMeta ?? {})
                .filter(([, meta]) => meta?.optional)
                .map(([peer]) => peer),
        );
        for (const dependency of Object.keys(manifest.dependencies ?? {})) {
            pending.push({ name: dependency, from: directory, optional: false, requiredBy: name });
        }
        for (const dependency of Object.keys(manifest.optionalDependencies ?? {})) {
            pending.push({ name: dependency, from: directory, optional: true, requiredBy: name });
        }
        for (const dependency of Object.keys(manifest.peerDependencies ?? {})) {
            pending.push({ name: dependency, from: directory, optional: optionalPeers.has(dependency), requiredBy: name });
        }
    }
    if (missingBinaries.size > 0) {
        fail(
            `${[...missingBinaries].join(", ")} is not installed: npm installs only the binaries that fit this machine. ` +
                `Pack the ${target} VSIX on a ${target} machine (e.g. one CI job per platform).`,
        );
    }
    return [...found].sort();
}

function parseOptions() {
    const { values } = parseArgs({
        options: {
            target: { type: "string", default: process.env.PHI2_VSIX_TARGET || hostTarget() },
            gpu: { type: "string", default: process.env.PHI2_VSIX_GPU ?? "" },
            out: { type: "string" },
        },
    });
    const target = values.target;
    const binaries = BINARY_PACKAGES_BY_TARGET[target];
    if (!binaries) fail(`unsupported target "${target}"; node-llama-cpp has prebuilt binaries for: ${Object.keys(BINARY_PACKAGES_BY_TARGET).join(", ")}.`);
    const gpuBackends = values.gpu.split(",").map((backend) => backend.trim()).filter((backend) => backend.length > 0);
    const available = Object.keys(binaries).filter((backend) => backend !== "cpu");
    for (const backend of gpuBackends) {
        if (!available.includes(backend)) fail(`--gpu ${backend}: no such build for ${target} (available: ${available.join(", ") || "none"}).`);
    }
    const binaryPackages = [...binaries.cpu, ...gpuBackends.flatMap((backend) => binaries[backend])];
    return { target, binaryPackages, out: values.out };
}

/** The README the extension page shows (vsce's --readme-path): for users, not developers. */
const USER_README = "README.extension.md";

async function stage(stagingDirectory, closure) {
    // The extension's own files, as .vscodeignore allows them (node_modules is not looked at).
    const ownFiles = await vsce.listFiles({ cwd: projectRoot, packageManager: vsce.PackageManager.None, readmePath: USER_README });
    for (const file of ownFiles) {
        mkdirSync(path.dirname(path.join(stagingDirectory, file)), { recursive: true });
        copyFileSync(path.join(projectRoot, file), path.join(stagingDirectory, file));
    }
    for (const packageDirectory of closure) {
        const source = path.join(projectRoot, packageDirectory);
        const nestedModules = path.join(source, "node_modules"); // staged as packages of their own when in the closure
        cpSync(source, path.join(stagingDirectory, packageDirectory), {
            recursive: true,
            filter: (file) => file !== nestedModules && isShippedDependencyFile(path.basename(file)),
        });
    }
    const manifest = readPackageJson(projectRoot);
    manifest.dependencies = { "node-llama-cpp": manifest.dependencies["node-llama-cpp"] };
    writeFileSync(path.join(stagingDirectory, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    // Everything staged ships; the file only keeps vsce from warning that there is none.
    writeFileSync(path.join(stagingDirectory, ".vscodeignore"), "# staged by .ci/package-vsix.mjs: everything here ships\n");
    return ownFiles;
}

async function main() {
    const { target, binaryPackages, out } = parseOptions();
    for (const file of ["dist/extension.js", "dist/modelHost.mjs", "dist/tree-sitter.wasm", "dist/tree-sitter-python.wasm"]) {
        if (!existsSync(path.join(projectRoot, file))) fail(`${file} is missing: run \`npm run build\` first (\`npm run package\` does).`);
    }
    const manifest = readPackageJson(projectRoot);
    const packagePath = path.resolve(out ?? path.join(projectRoot, `${manifest.name}-${target}-${manifest.version}.vsix`));
    mkdirSync(path.dirname(packagePath), { recursive: true });
    const closure = runtimeClosure(target, binaryPackages);
    const stagingDirectory = mkdtempSync(path.join(tmpdir(), "phi2-vsix-"));
    try {
        const ownFiles = await stage(stagingDirectory, closure);
        const hasLicense = ownFiles.includes("LICENSE");
        if (!hasLicense) console.warn(`[package] warning: no LICENSE file; packing without one (package.json says "${manifest.license}").`);
        console.log(
            `[package] ${target}: ${ownFiles.length} extension files, node-llama-cpp and ${closure.length - 1} runtime packages ` +
                `(binaries: ${binaryPackages.map((name) => `@node-llama-cpp/${name}`).join(", ")})`,
        );
        await vsce.createVSIX({
            cwd: stagingDirectory,
            target,
            packagePath,
            dependencies: true,
            useYarn: false,
            // A private project: no repository to link to (vsce would stop and ask y/N).
            allowMissingRepository: true,
            skipLicense: !hasLicense,
            // The extension page shows the users' README; the repository's README.md is for developers.
            readmePath: USER_README,
        });
    } finally {
        rmSync(stagingDirectory, { recursive: true, force: true });
    }
    console.log(`[package] ${packagePath}: ${(statSync(packagePath).size / 1024 / 1024).toFixed(1)} MB`);
}

await main();
