// The linux-x64 VSIX, packed by the same script as `npm run package` (from the current dist/,
// which `npm run test:model` has just built), then unpacked into a temporary folder outside the
// project the way an editor installs it: its file set, the dependency closure it carries, and a
// model host forked from the unpacked files that loads node-llama-cpp from the VSIX alone.
// Offline: vsce runs through its API (the CLI asks the registry for updates) and `npm list`.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { ModelHostClient } from "../../src/hostClient/ModelHostClient";
import { ensureScriptedModel, SCRIPTS } from "../support/tinyModels";
import { extractZip } from "../support/zipArchive";

const execFileAsync = promisify(execFile);
const projectRoot = path.resolve(import.meta.dirname, "..", "..");
const TARGET = "linux-x64";
/** The CPU build of node-llama-cpp plus its dependencies pack to ~13 MB; every GPU build would add hundreds. */
const MAX_VSIX_BYTES = 30 * 1024 * 1024;

interface PackageManifest {
    readonly name: string;
    readonly version: string;
    readonly dependencies?: Record<string, string>;
    readonly peerDependencies?: Record<string, string>;
    readonly peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

async function readManifest(directory: string): Promise<PackageManifest> {
    return JSON.parse(await readFile(path.join(directory, "package.json"), "utf8")) as PackageManifest;
}

/** Package folders (relative to the extension folder) of the shipped node_modules, nested ones included. */
function shippedPackageDirectories(entries: readonly string[]): string[] {
    const directories = new Set<string>();
    for (const entry of entries) {
        const match = /^extension\/((?:node_modules\/(?:@[^/]+\/)?[^/]+\/)+)package\.json$/.exec(entry);
        if (match) directories.add(match[1]!.slice(0, -1));
    }
    return [...directories].sort();
}

/** Node's lookup of a dependency from a package folder, confined to the extension folder. */
function resolvesInside(extensionDirectory: string, packageDirectory: string, dependency: string): boolean {
    let directory = path.join(extensionDirectory, packageDirectory);
    for (;;) {
        if (existsSync(path.join(directory, "node_modules", dependency, "package.json"))) return true;
        if (directory === extensionDirectory) return false;
        directory = path.dirname(directory);
    }
}

describe(`VSIX packaging (${TARGET})`, function () {
    this.timeout(180_000);
    let workDirectory: string;
    let vsixPath: string;
    let entries: string[];
    let extensionDirectory: string;

    before(async function () {
        if (process.platform !== "linux" || process.arch !== "x64") {
            console.log(`      (skipped: the ${TARGET} VSIX is packed and run on a ${TARGET} machine only)`);
            this.skip();
        }
        for (const file of ["dist/extension.js", "dist/modelHost.mjs"]) {
            if (!existsSync(path.join(projectRoot, file))) throw new Error(`${file} is missing: run \`npm run build\` first (npm run test:model does).`);
        }
        workDirectory = await mkdtemp(path.join(tmpdir(), "phi2-vsix-test-"));
        vsixPath = path.join(workDirectory, `phi2-complete-${TARGET}.vsix`);
        try {
            await execFileAsync(process.execPath, [path.join(projectRoot, ".ci", "package-vsix.mjs"), "--target", TARGET, "--out", vsixPath], {
                cwd: projectRoot,
                maxBuffer: 16 * 1024 * 1024,
                env: { ...process.env, PHI2_VSIX_GPU: "" },
            });
        } catch (error) {
            const { stdout, stderr } = error as { stdout?: string; stderr?: string };
            throw new Error(`.ci/package-vsix.mjs failed:\n${stderr ?? ""}\n${stdout ?? ""}`);
        }
        entries = await extractZip(vsixPath, path.join(workDirectory, "unpacked"));
        extensionDirectory = path.join(workDirectory, "unpacked", "extension");
    });

    after(async () => {
        if (workDirectory) await rm(workDirectory, { recursive: true, force: true });
    });

    it("ships the manifest, README, media, both bundles and the parser WASM; no sources, tests, CLI or source maps", () => {
        const ownFiles = entries.filter((entry) => !entry.startsWith("extension/node_modules/") && !entry.endsWith("/"));
        const licenseFiles = ownFiles.filter((entry) => /^extension\/license(\.txt|\.md)?$/i.test(entry));
        assert.equal(licenseFiles.length, existsSync(path.join(projectRoot, "LICENSE")) ? 1 : 0, `license entries: ${licenseFiles.join(", ")}`);
        const mediaFiles = readdirSync(path.join(projectRoot, "media")).map((file) => `extension/media/${file}`);
        const expected = [
            "[Content_Types].xml",
            "extension.vsixmanifest",
            "extension/package.json",
            "extension/readme.md",
            "extension/dist/extension.js",
            "extension/dist/modelHost.mjs",
            "extension/dist/tree-sitter.wasm",
            "extension/dist/tree-sitter-python.wasm",
            ...mediaFiles,
        ];
        assert.deepEqual(ownFiles.filter((entry) => !licenseFiles.includes(entry)).sort(), expected.sort());
    });

    it("shows the users' README (not the developers') and the icon on the extension page", async () => {
        const readme = await readFile(path.join(extensionDirectory, "readme.md"), "utf8");
        assert.match(readme, /Phi-2: Download Model/);
        assert.match(readme, /Remote windows/);
        assert.doesNotMatch(readme, /npm start|apt-get/);
        const manifest = await readFile(path.join(workDirectory, "unpacked", "extension.vsixmanifest"), "utf8");
        assert.match(manifest, /Path="extension\/media\/icon\.png"/);
    });

    it(`is marked for ${TARGET} and stays small`, async () => {
        const manifest = await readFile(path.join(workDirectory, "unpacked", "extension.vsixmanifest"), "utf8");
        assert.match(manifest, new RegExp(`TargetPlatform="${TARGET}"`));
        const { size } = await stat(vsixPath);
        console.log(`      VSIX: ${(size / 1024 / 1024).toFixed(1)} MB, ${entries.length} entries`);
        assert.ok(size < MAX_VSIX_BYTES, `the VSIX has ${size} bytes (limit ${MAX_VSIX_BYTES}): did a GPU build or an unused package get in?`);
    });

    it("carries node-llama-cpp with only the CPU binary package of the target, and no unused packages or files", async () => {
        const packages = shippedPackageDirectories(entries);
        assert.ok(packages.includes("node_modules/node-llama-cpp"));
        assert.deepEqual(
            packages.filter((directory) => directory.includes("@node-llama-cpp/")),
            [`node_modules/@node-llama-cpp/${TARGET}`],
        );
        // Bundled into dist/extension.js, or unused at run time (typescript is an optional peer of node-llama-cpp's CLI).
        for (const unused of ["markdown-it", "@vscode/tree-sitter-wasm", "typescript", "esbuild", "mocha"]) {
            assert.ok(!packages.includes(`node_modules/${unused}`), `${unused} should not ship`);
        }
        const unwanted = entries.filter((entry) => /\.(map|d\.ts|d\.mts|d\.cts)$|\/gitRelease\.bundle$/.test(entry));
        assert.deepEqual(unwanted, []);
        // node-llama-cpp only takes a binary package of its own version.
        const llamaVersion = (await readManifest(path.join(extensionDirectory, "node_modules", "node-llama-cpp"))).version;
        const binaryVersion = (await readManifest(path.join(extensionDirectory, "node_modules", "@node-llama-cpp", TARGET))).version;
        assert.equal(binaryVersion, llamaVersion);
        const shipped = await readManifest(extensionDirectory);
        const source = await readManifest(projectRoot);
        assert.deepEqual(shipped.dependencies, { "node-llama-cpp": source.dependencies?.["node-llama-cpp"] });
        assert.equal(llamaVersion, source.dependencies?.["node-llama-cpp"]);
    });

    it("lets every shipped package find its required dependencies inside the VSIX", async () => {
        const missing: string[] = [];
        const packages = shippedPackageDirectories(entries);
        assert.ok(packages.length > 50, `only ${packages.length} packages shipped`);
        for (const directory of packages) {
            const manifest = await readManifest(path.join(extensionDirectory, directory));
            const requiredPeers = Object.keys(manifest.peerDependencies ?? {}).filter((peer) => !manifest.peerDependenciesMeta?.[peer]?.optional);
            for (const dependency of [...Object.keys(manifest.dependencies ?? {}), ...requiredPeers]) {
                if (!resolvesInside(extensionDirectory, directory, dependency)) missing.push(`${manifest.name} -> ${dependency}`);
            }
        }
        assert.deepEqual(missing, []);
    });

    it("forks the unpacked model host, which loads node-llama-cpp from the VSIX and replays the scripted model", async () => {
        // Outside the project, module resolution cannot fall back to the repository's node_modules.
        assert.ok(path.relative(projectRoot, extensionDirectory).startsWith(".."));
        const modelPath = await ensureScriptedModel(SCRIPTS.add);
        const logs: string[] = [];
        const client = new ModelHostClient({
            hostScriptPath: path.join(extensionDirectory, "dist", "modelHost.mjs"),
            log: (level, message) => logs.push(`${level}: ${message}`),
            restart: { enabled: false },
        });
        try {
            // gpu "auto" is the default setting: with no GPU build in the VSIX it must settle on the CPU.
            const info = await client.load({ modelPath, gpu: "auto", threads: 1, contextSize: 512, sequences: 1 });
            assert.equal(info.architecture, "phi2");
            assert.equal(info.gpu, false);
            const result = await client.generate({ sequenceKey: "packaging", prompt: "def add(a, b):\n", maxTokens: 32 });
            assert.equal(result.text, "    return a + b\n");
            assert.equal(result.stopReason, "eos");
        } catch (error) {
            throw new Error(`${error instanceof Error ? error.message : String(error)}\nhost log:\n${logs.join("\n")}`);
        } finally {
            client.dispose();
        }
    });
});
