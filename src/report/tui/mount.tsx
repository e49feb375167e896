/**
 * Mounts the Ink view on the terminal and redraws it from the store on a fixed timer (10 fps), never
 * per event. Ink is told not to handle Ctrl-C (exitOnCtrlC: false): the engine owns SIGINT, and the
 * view reads stdin only while a confirm prompt is shown (see confirm-prompt.tsx).
 *
 * The scrollback is the user's. Ink clears the whole screen and the scrollback (ESC[2J ESC[3J) when
 * a frame is as tall as the terminal, and then leaves the last frame without its final newline. So
 * Ink is told the terminal has no height limit (inkStream), and the view keeps its live region
 * shorter than the terminal itself (fitView in run-view.tsx), printing what no longer fits above it
 * once. The final record alone may be taller: it is drawn once and scrolls like any output.
 */
import chalk from "chalk";
import { render } from "ink";
import type { Screen } from "../../base/terminal.js";
import type { Printed } from "./fit.js";
import { fitView, RunView } from "./run-view.js";
import type { ViewStore } from "./store.js";

/** Timer ticks per second: the fastest the view can redraw; events in between only update the store. */
export const FRAMES_PER_SECOND = 10;
/**
 * Redraw at most this often when the state changed, and this often when only spinners and elapsed
 * times move. A frame costs CPU (React, Ink, string widths), so redrawing on every tick made a fan-out
 * under the view far dearer than `--output plain` (bench/findings.md, B6).
 */
const CHANGED_FRAME_MS = 200;
const CLOCK_FRAME_MS = 500;
/** The narrowest and shortest terminal the view lays itself out for. */
const MIN_WIDTH = 20;
const MIN_HEIGHT = 6;
/** The height Ink is told the terminal has: more than any frame, so Ink never clears the screen. */
const UNLIMITED_ROWS = 1_000_000;

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

/**
 * The terminal's stream as Ink sees it: the same stream, but with no height limit, so Ink's
 * "taller than the terminal" path (clear screen and scrollback, no final newline) is never taken.
 */
function inkStream(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  return new Proxy(stream, {
    get(target, key) {
      if (key === "rows") return UNLIMITED_ROWS;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
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
  // Everything printed above the live region so far, in order; only ever appended to.
  let printed: readonly Printed[] = [];
  const frame = () => {
    const width = Math.max(MIN_WIDTH, screen.width());
    const at = now();
    const fitted = fitView(store.state, printed, at, width, Math.max(MIN_HEIGHT, screen.height()));
    if (fitted.print.length > 0) printed = [...printed, ...fitted.print];
    return (
      <RunView
        state={store.state}
        now={at}
        tick={tick}
        width={width}
        printed={printed}
        live={fitted.live}
        onAnswer={(approved) => store.answer(approved)}
        onOtherKey={() => store.nudgeConfirm()}
        onInterrupt={options.interrupt}
      />
    );
  };
  const instance = render(frame(), {
    stdout: inkStream(screen.stream),
    stdin: options.stdin,
    exitOnCtrlC: false,
    // Nothing in a run writes to the console; patching it globally would only surprise an embedder.
    patchConsole: false,
    maxFps: FRAMES_PER_SECOND,
  });
  let drawnVersion = store.version;
  let drawnAt = now();
  const redraw = () => {
    drawnVersion = store.version;
    drawnAt = now();
    // The spinner advances one step per drawn frame, so it turns smoothly at any frame rate.
    tick++;
    instance.rerender(frame());
  };
  // A resized terminal gets a frame laid out for its new size before Ink redraws the old one.
  const onResize = () => {
    if (store.state.end === undefined) redraw();
  };
  screen.stream.prependListener?.("resize", onResize);
  const timer = setInterval(() => {
    // The final record is drawn once, by stop(): redrawn, a record taller than the terminal would
    // leave its first copy in the scrollback.
    if (store.state.end !== undefined) return;
    // Spinners and elapsed times move while anything runs; otherwise redraw only on change.
    const moving = store.state.run !== undefined;
    const changed = drawnVersion !== store.version;
    const since = now() - drawnAt;
    if (!(changed && since >= CHANGED_FRAME_MS) && !(moving && since >= CLOCK_FRAME_MS)) return;
    redraw();
  }, 1000 / FRAMES_PER_SECOND);
  // The timer must not keep a finished process alive.
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      screen.stream.off?.("resize", onResize);
      instance.rerender(frame());
      instance.unmount();
      await instance.waitUntilExit();
    },
  };
}
