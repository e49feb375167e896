/**
 * Mounts the Ink view on the terminal and redraws it from the store on a fixed timer (10 fps), never
 * per event. Ink is told not to handle Ctrl-C (exitOnCtrlC: false): the engine owns SIGINT, and the
 * view reads stdin only while a confirm prompt is shown (see confirm-prompt.tsx).
 */
import chalk from "chalk";
import { render } from "ink";
import type { Screen } from "../../base/terminal.js";
import { RunView } from "./run-view.js";
import type { ViewStore } from "./store.js";

/** Timer ticks per second: the fastest the view can redraw; events in between only update the store. */
export const FRAMES_PER_SECOND = 10;
/**
 * Redraw at most this often when the state changed, and this often when only spinners and elapsed
 * times move. Each frame costs 15-20 ms of CPU (React, Ink, string widths: bench/findings.md, B6), so
 * a 10 fps redraw made a fan-out under the view use about twice the CPU of `--output plain`.
 */
const CHANGED_FRAME_MS = 200;
const CLOCK_FRAME_MS = 500;

export interface MountOptions {
  /** Where the view draws, at its width and height, in colour only if it allows. */
  screen: Screen;
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
  const { screen } = options;
  // Ink colours through chalk, which decides on its own and ignores NO_COLOR; the decision is the
  // terminal's (src/base/terminal.ts). Same chalk instance as Ink's (package.json pins the range Ink uses).
  if (!screen.color) chalk.level = 0;
  else if (chalk.level === 0) chalk.level = 1;
  const now = options.now ?? Date.now;
  let tick = 0;
  const frame = () => (
    <RunView
      state={store.state}
      now={now()}
      tick={tick}
      width={Math.max(40, screen.width())}
      height={Math.max(12, screen.height())}
      onAnswer={(approved) => store.answer(approved)}
      onInterrupt={options.interrupt}
    />
  );
  const instance = render(frame(), {
    stdout: screen.stream,
    stdin: options.stdin,
    exitOnCtrlC: false,
    // Nothing in a run writes to the console; patching it globally would only surprise an embedder.
    patchConsole: false,
    maxFps: FRAMES_PER_SECOND,
  });
  let drawnVersion = store.version;
  let drawnAt = now();
  const timer = setInterval(() => {
    // Spinners and elapsed times move while anything runs; otherwise redraw only on change.
    const moving = store.state.end === undefined && store.state.run !== undefined;
    const changed = drawnVersion !== store.version;
    const since = now() - drawnAt;
    if (!(changed && since >= CHANGED_FRAME_MS) && !(moving && since >= CLOCK_FRAME_MS)) return;
    drawnVersion = store.version;
    drawnAt = now();
    // The spinner advances one step per drawn frame, so it turns smoothly at any frame rate.
    tick++;
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
