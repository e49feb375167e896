/**
 * Mounts the Ink view on the terminal and redraws it from the store on a fixed timer (10 fps), never
 * per event. Ink is told not to handle Ctrl-C (exitOnCtrlC: false): the engine owns SIGINT, and the
 * view reads stdin only while a confirm prompt is shown (see confirm-prompt.tsx).
 */
import { render } from "ink";
import { RunView } from "./run-view.js";
import type { ViewStore } from "./store.js";

/** Frames per second of the view; events in between only update the store. */
export const FRAMES_PER_SECOND = 10;

export interface MountOptions {
  stdout: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  /** Called for Ctrl-C typed while the prompt holds the keyboard. */
  interrupt: () => void;
  now?: () => number;
}

export interface MountedView {
  /** Draws the last frame, leaves it on the screen and releases the terminal. */
  stop(): Promise<void>;
}

/** Renders the view and starts the frame timer. */
export function mountView(store: ViewStore, options: MountOptions): MountedView {
  const now = options.now ?? Date.now;
  let tick = 0;
  const frame = () => (
    <RunView
      state={store.state}
      now={now()}
      tick={tick}
      width={Math.max(40, options.stdout.columns ?? 80)}
      height={Math.max(12, options.stdout.rows ?? 24)}
      onAnswer={(approved) => store.answer(approved)}
      onInterrupt={options.interrupt}
    />
  );
  const instance = render(frame(), {
    stdout: options.stdout,
    stdin: options.stdin,
    exitOnCtrlC: false,
    // Nothing in a run writes to the console; patching it globally would only surprise an embedder.
    patchConsole: false,
    maxFps: FRAMES_PER_SECOND,
  });
  let drawnVersion = store.version;
  const timer = setInterval(() => {
    tick++;
    // Spinners and elapsed times move while anything runs; otherwise redraw only on change.
    const moving = store.state.end === undefined && store.state.run !== undefined;
    if (!moving && drawnVersion === store.version) return;
    drawnVersion = store.version;
    instance.rerender(frame());
  }, 1000 / FRAMES_PER_SECOND);
  // The timer must not keep a finished process alive.
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      instance.rerender(frame());
      instance.unmount();
      await instance.waitUntilExit();
    },
  };
}
