// Every command id the extension registers, grouped by who runs it. The command table
// (commands.ts) maps each name to its handler factory, and the compiler checks that every id has
// one; a unit test checks the contributed ones against package.json. No vscode import, so the
// unit test can read it.

/** Declared in package.json's contributes.commands (the palette, menus, keybindings). */
export const CONTRIBUTED_COMMANDS = {
    downloadModel: "phi2.downloadModel",
    selectModelFile: "phi2.selectModelFile",
    toggleCompletions: "phi2.toggleCompletions",
    restartModel: "phi2.restartModel",
    showLogs: "phi2.showLogs",
    explain: "phi2.explain",
    /** "Phi-2: Explain This Code" in the editor's context menu, where a command's category is not shown. */
    explainFromContextMenu: "phi2.explainFromContextMenu",
    setServerApiKey: "phi2.setServerApiKey",
} as const;

/** Run by the extension's own UI, not by the user by name (so not contributed). */
export const INTERNAL_COMMANDS = {
    /** The status bar item's click. */
    statusBarActions: "phi2.statusBarActions",
    /** An accepted inline suggestion (the completion item's command). */
    completionAccepted: "phi2.completionAccepted",
    /** Esc while ghost text is visible in Python: hides it, and its longer version is not offered again. */
    dismissSuggestion: "phi2.dismissSuggestion",
} as const;

/** Registered only in test mode: the extension-host tests drive and read the explain panel. */
export const TEST_COMMANDS = {
    /** The panel's state as plain data. */
    explainTestState: "phi2.explain.testState",
    /** Delivers a message as if the panel's buttons sent it (Stop, Copy, Explain Again, Retry). */
    explainTestMessage: "phi2.explain.testMessage",
} as const;

export type CommandName = keyof typeof CONTRIBUTED_COMMANDS | keyof typeof INTERNAL_COMMANDS | keyof typeof TEST_COMMANDS;
