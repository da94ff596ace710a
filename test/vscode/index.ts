// Mocha entry loaded by VS Code's extension host (extensionTestsPath): runs the suites inside a real
// VS Code and writes a JSON report to $PHI2_TEST_RESULTS (the browser console that carries the
// extension host's output loses printf placeholders, so the runner prints this report instead).
// Built to dist/test/vscode/index.js by esbuild; `vscode` and `mocha` stay external.
import * as fs from "node:fs";
import Mocha from "mocha";

/**
 * Test files, imported explicitly (the bundle has no file system to glob). Each is imported after
 * mocha has defined `describe`/`it`, so the suites register on this run's mocha.
 */
const SUITES: ReadonlyArray<() => Promise<unknown>> = [
    () => import("./inlineCompletion.test"),
    () => import("./prefill.test"),
    () => import("./statusBar.test"),
    () => import("./ghostTextInteraction.test"),
    () => import("./surface.test"),
    () => import("./explain.test"),
    () => import("./projectContext.test"),
    () => import("./download.test"),
    () => import("./idleUnload.test"),
    () => import("./workspaceSettings.test"),
    () => import("./serverBackend.test"),
    () => import("./oddDocuments.test"),
    () => import("./crashRecovery.test"),
];

export interface TestReportEntry {
    readonly title: string;
    readonly state: "passed" | "failed" | "pending";
    readonly durationMs?: number;
    readonly error?: string;
}

export interface TestReport {
    readonly passed: number;
    readonly failed: number;
    readonly pending: number;
    readonly tests: TestReportEntry[];
}

/** Per-test timeout: model loads and restarts inside a shared 2-core machine. */
const TEST_TIMEOUT_MS = 90_000;

export async function run(): Promise<void> {
    const mocha = new Mocha({ ui: "bdd", timeout: TEST_TIMEOUT_MS, color: false, reporter: "spec" });
    const grep = process.env.PHI2_TEST_GREP;
    if (grep) mocha.grep(grep);
    mocha.suite.emit("pre-require", globalThis, "phi2-extension-tests", mocha);
    for (const load of SUITES) await load();

    const tests: TestReportEntry[] = [];
    const failures = await new Promise<number>((resolve) => {
        const runner = mocha.run(resolve);
        runner.on("pass", (test) => tests.push({ title: test.fullTitle(), state: "passed", durationMs: test.duration }));
        runner.on("pending", (test) => tests.push({ title: test.fullTitle(), state: "pending" }));
        runner.on("fail", (test, error: Error) => tests.push({ title: test.fullTitle(), state: "failed", durationMs: test.duration, error: error.stack ?? String(error) }));
    });
    const report: TestReport = {
        passed: tests.filter((test) => test.state === "passed").length,
        failed: tests.filter((test) => test.state === "failed").length,
        pending: tests.filter((test) => test.state === "pending").length,
        tests,
    };
    const resultsFile = process.env.PHI2_TEST_RESULTS;
    if (resultsFile) fs.writeFileSync(resultsFile, JSON.stringify(report, null, 2));
    if (failures > 0) throw new Error(`${failures} extension test(s) failed.`);
}
