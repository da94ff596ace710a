import type { HostErrorCode } from "../../protocol/modelHostProtocol";

/** An error with a protocol code; the host answers the request with it instead of crashing. */
export class HostFailure extends Error {
    constructor(
        readonly code: HostErrorCode,
        message: string,
    ) {
        super(message);
        this.name = "HostFailure";
    }
}
