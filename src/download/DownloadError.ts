// Why a model download stopped, as a code the editor turns into a message and an action.

export type DownloadErrorCode =
    /** No connection to the server at all (DNS, refused, unreachable). */
    | "OFFLINE"
    | "NOT_FOUND"
    /** 401/403: the server (or a proxy) wants credentials the editor does not have. */
    | "FORBIDDEN"
    /** Any other HTTP status, or too many redirects. */
    | "HTTP_ERROR"
    /** The connection kept breaking; the partial file is kept for a later resume. */
    | "NETWORK"
    /** No data for the stall timeout; the partial file is kept. */
    | "STALLED"
    /** The finished file's SHA-256 is not the pinned one; the partial file was deleted. */
    | "HASH_MISMATCH"
    | "DISK_FULL"
    | "CANCELLED";

export class DownloadError extends Error {
    constructor(
        readonly code: DownloadErrorCode,
        message: string,
    ) {
        super(message);
        this.name = "DownloadError";
    }
}

const OFFLINE_ERRNOS = new Set(["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ENETUNREACH", "EHOSTUNREACH", "ENETDOWN"]);

/** Whether a socket error means "cannot reach the server at all" (as opposed to a broken transfer). */
export function isOfflineErrno(error: unknown): boolean {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    return code !== undefined && OFFLINE_ERRNOS.has(code);
}
