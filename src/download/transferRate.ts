// Download speed and time left from a sliding window of byte counts: a fresh estimate that does
// not swing with every chunk, nor remember a slow start for the whole download.

/** Long enough to smooth TCP bursts, short enough to follow a change of network. */
const WINDOW_MS = 5_000;

export class TransferRate {
    private readonly samples: { at: number; bytes: number }[] = [];

    /** Records the total bytes received at a time (ms). */
    record(at: number, totalBytes: number): void {
        this.samples.push({ at, bytes: totalBytes });
        while (this.samples.length > 2 && at - this.samples[1].at >= WINDOW_MS) this.samples.shift();
    }

    /** Bytes per second over the window; 0 until two samples are at least a moment apart. */
    get bytesPerSecond(): number {
        const first = this.samples[0];
        const last = this.samples[this.samples.length - 1];
        if (!first || !last || last.at - first.at < 200) return 0;
        return ((last.bytes - first.bytes) * 1000) / (last.at - first.at);
    }

    /** Seconds until `totalBytes` at the current rate; undefined while the rate is unknown. */
    secondsLeft(receivedBytes: number, totalBytes: number): number | undefined {
        const rate = this.bytesPerSecond;
        if (rate <= 0) return undefined;
        return Math.max(0, (totalBytes - receivedBytes) / rate);
    }
}

const MB = 1024 * 1024;

/** "312 / 1,706 MB · 4.2 MB/s · 6 min left": what the progress notification shows. */
export function describeTransfer(receivedBytes: number, totalBytes: number | undefined, bytesPerSecond: number, secondsLeft: number | undefined): string {
    const mb = (bytes: number) => Math.round(bytes / MB).toLocaleString("en-US");
    const parts = [totalBytes ? `${mb(receivedBytes)} / ${mb(totalBytes)} MB` : `${mb(receivedBytes)} MB`];
    if (bytesPerSecond > 0) parts.push(`${(bytesPerSecond / MB).toFixed(1)} MB/s`);
    if (secondsLeft !== undefined) parts.push(`${describeDuration(secondsLeft)} left`);
    return parts.join(" · ");
}

export function describeDuration(seconds: number): string {
    if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
    if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
    const hours = Math.floor(seconds / 3600);
    return `${hours} h ${Math.round((seconds - hours * 3600) / 60)} min`;
}
