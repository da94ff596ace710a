// Error toasts that do not pile up: while one is open, a newer error replaces what it would say
// (the newest is shown when the open one closes) instead of stacking a second toast beside it.
// The status bar and the log keep every error.
import * as vscode from "vscode";

export interface ToastAction {
    readonly title: string;
    readonly run: () => unknown;
}

interface PendingToast {
    readonly message: string;
    readonly actions: readonly ToastAction[];
}

export class OneErrorAtATime {
    private open = false;
    private next: PendingToast | undefined;

    show(message: string, actions: readonly ToastAction[]): void {
        if (this.open) {
            this.next = { message, actions };
            return;
        }
        this.open = true;
        void vscode.window.showErrorMessage(message, ...actions.map((action) => action.title)).then((picked) => {
            this.open = false;
            const chosen = actions.find((action) => action.title === picked);
            const queued = this.next;
            this.next = undefined;
            // An action (e.g. "Retry") makes the queued message stale; otherwise show the newest.
            if (chosen) chosen.run();
            else if (queued) this.show(queued.message, queued.actions);
        });
    }
}

/** The extension's one queue for model and download errors. */
export const errorToasts = new OneErrorAtATime();
