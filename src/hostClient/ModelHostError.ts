// The errors of the host client: the host's own codes plus what the client sees from outside the
// process (an exit, a hang, a host from another build, a host that never started). The messages
// are facts for the log and the CLI; the editor's wording and buttons are in src/vscode/modelErrors.ts.
import type { HostErrorCode } from "../protocol/modelHostProtocol";

export type ClientErrorCode =
    | HostErrorCode
    | "HOST_EXITED"
    | "HOST_UNAVAILABLE"
    /** The host crashed too often in a short time and is not restarted again. */
    | "HOST_CRASH_LOOP"
    /** llama.cpp crashed the host while loading the model file. */
    | "MODEL_CRASHED"
    /** The host speaks another protocol version: it was built by another version of the extension. */
    | "HOST_VERSION_MISMATCH"
    /** The host never got as far as its handshake (missing file, a script node cannot run): a broken install. */
    | "HOST_BROKEN_INSTALL";

export class ModelHostError extends Error {
    constructor(
        readonly code: ClientErrorCode,
        message: string,
    ) {
        super(message);
        this.name = "ModelHostError";
    }
}

/** The report of a native crash while loading a file: llama.cpp could not cope with it. */
export function modelCrashError(modelPath: string, signal: string): ModelHostError {
    return new ModelHostError(
        "MODEL_CRASHED",
        `llama.cpp crashed (${signal}) while loading the model file ${modelPath}. The file is probably corrupt or not a Phi-2 GGUF that llama.cpp supports: download it again or select another file. Show Logs has llama.cpp's last messages.`,
    );
}

/** The handshake named another protocol version: restarting would start the same wrong file again. */
export function versionMismatchError(hostScriptPath: string, hostVersion: unknown, expectedVersion: number): ModelHostError {
    return new ModelHostError(
        "HOST_VERSION_MISMATCH",
        `The model host ${hostScriptPath} speaks protocol version ${String(hostVersion)}, but this client speaks version ${expectedVersion}: it was built by another version. Rebuild it (npm run build) or reinstall the extension.`,
    );
}

/** The host file is missing, or the process ended before its handshake on its own: restarting will not help. */
export function brokenInstallError(hostScriptPath: string, why: string): ModelHostError {
    return new ModelHostError(
        "HOST_BROKEN_INSTALL",
        `The model host ${hostScriptPath} could not start (${why}): the installation is broken. Reinstall the extension (or run npm run build in a development checkout); the log has the host's output.`,
    );
}
