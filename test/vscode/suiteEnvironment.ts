// What the runner tells the suite inside the extension host (through PHI2_TEST_SUITE, since the
// extension host inherits the editor's environment): model files, the workspace copy, the scripts
// the tiny models replay. Kept free of the model builder so the bundle stays small.
export interface SuiteEnvironment {
    /** Scripted model replaying SCRIPTS.add and SCRIPTS.explain; phi2.modelPath at start. */
    readonly completionModel: string;
    /** Scripted model replaying SCRIPTS.exactText. */
    readonly exactTextModel: string;
    /** Random-weights model: it never emits <|endoftext|>, so an explanation runs to its length cap. */
    readonly randomModel: string;
    /** The workspace folder the editor opened (a copy of test/fixtures/workspace). */
    readonly workspace: string;
    readonly scripts: { readonly add: string; readonly exactText: string; readonly explain: string };
    /** A llama-server on 127.0.0.1 serving completionModel, started with --api-key serverApiKey. */
    readonly serverUrl: string;
    readonly serverApiKey: string;
}

export function suiteEnvironment(): SuiteEnvironment {
    const raw = process.env.PHI2_TEST_SUITE;
    if (!raw) throw new Error("PHI2_TEST_SUITE is not set: run this suite through npm run test:vscode (test/vscode/run.ts).");
    return JSON.parse(raw) as SuiteEnvironment;
}
