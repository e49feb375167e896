/**
 * The Ink reporter (`--output tui`). Events go into a ViewStore at once; Ink and React are loaded in
 * the background (they cost startup time that plain and json output should not pay) and the view
 * draws whatever the store holds by then, so no event is lost while they load.
 */
import type { Terminal } from "../../base/terminal.js";
import type { Reporter } from "../../engine/events.js";
import { keyboardOn } from "../confirm-keyboard.js";
import { failedPages, type UiLinks } from "../ui-links.js";
import type { MountedView } from "./mount.js";
import { ViewStore } from "./store.js";

export interface TuiReporterOptions {
  /** The view draws on terminal.stdout, at its width, in colour only where it allows; keys come from terminal.stdin. */
  terminal: Terminal;
  header: { address: string; namespace: string };
  /** The Web UI, when its address is known. */
  links?: UiLinks | undefined;
  /** `nxrun watch`: the footer says Ctrl-C stops watching (it cancels nothing). */
  watching?: boolean | undefined;
  /** Ctrl-C during a confirm prompt; default: raise SIGINT so the engine's handler runs. */
  interrupt?: () => void;
  now?: () => number;
}

/** Creates the Ink reporter; the view mounts in the background. */
export function createTuiReporter(options: TuiReporterOptions): Reporter {
  const store = new ViewStore(options.now, options.links, options.terminal.stdout.hyperlinks);
  store.connecting(options.header);
  if (options.watching) store.state.watching = true;
  const { stdin } = options.terminal;
  const interrupt = options.interrupt ?? (() => process.kill(process.pid, "SIGINT"));
  let mountError: unknown;
  const mounted: Promise<MountedView | undefined> = import("./mount.js")
    .then((module) =>
      module.mountView(store, {
        screen: options.terminal.stdout,
        stdin,
        interrupt: () => {
          // Not an answer: the run is being cancelled, and the engine ends the confirm step as canceled.
          // Closing the prompt gives the keyboard back, so a second Ctrl-C is a plain SIGINT again.
          store.dismissConfirm();
          interrupt();
        },
        now: options.now,
      }),
    )
    .catch((error: unknown) => {
      // Reported from close(): a broken view is a bug, and must not crash the run mid-way.
      mountError = error;
      return undefined;
    });
  return {
    onRunStart: (event) => store.runStart(event),
    onStepStart: ({ record }) => store.step(record, false),
    onStepUpdate: ({ record }) => store.step(record, false),
    onStepEnd: ({ record }) => store.step(record, true),
    onItemStart: ({ stepId, item }) => store.item(stepId, item),
    onItemEnd: ({ stepId, item }) => store.item(stepId, item),
    onProgress: (event) => store.progress(event),
    onConnection: (event) => store.connection(event),
    onCancelling: (event) => store.cancelling(event),
    onTerminating: (event) => store.terminating(event),
    onConfirm(request) {
      // A prompt needs a keyboard: without a TTY on stdin the engine fails the step and says to pass --yes.
      if (!keyboardOn(stdin)) return false;
      store.confirm(request);
      return true;
    },
    onRunEnd: (record) => store.runEnd(record),
    async close() {
      const view = await mounted;
      await view?.stop();
      if (mountError !== undefined) throw mountError;
      // Without OSC 8 the view cannot link, and cuts lines to the terminal's width: the pages of what
      // failed go below the last frame in full, where they can be copied.
      if (options.links && !options.terminal.stdout.hyperlinks) {
        const pages = failedPages(store.state.steps);
        if (pages.length > 0)
          options.terminal.stdout.stream.write(`\nTemporal Web UI:\n${pages.map((p) => `  ${p}\n`).join("")}`);
      }
    },
  };
}
