// `npm run fixtures`: builds the tiny GGUF models the test suites use (cached; rebuilt when missing)
// and verifies the committed pocket model against its sidecar (never trains: npm run train:pocket).
import { stat } from "node:fs/promises";
import { relative } from "node:path";
import { verifyPocketModel } from "./pocket/pocketModel";
import { ensureRandomModel, ensureScriptedModel, SCRIPTS } from "./tinyModels";

async function main(): Promise<void> {
    const jobs: [string, () => Promise<string>][] = [
        ["random", ensureRandomModel],
        ...Object.entries(SCRIPTS).map(([name, script]): [string, () => Promise<string>] => [`scripted:${name}`, () => ensureScriptedModel(script)]),
        ["pocket (verified)", async () => (await verifyPocketModel()).path],
    ];
    for (const [label, ensure] of jobs) {
        const started = performance.now();
        const path = await ensure();
        const { size } = await stat(path);
        const seconds = ((performance.now() - started) / 1000).toFixed(2);
        console.log(`${label.padEnd(20)} ${relative(process.cwd(), path)}  ${(size / 1e6).toFixed(1)} MB  ${seconds} s`);
    }
}

main().then(
    () => process.exit(0),
    (error: unknown) => {
        console.error(error instanceof Error ? error.message : error);
        process.exit(1);
    },
);
