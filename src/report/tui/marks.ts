/** Status marks and colours of the Ink view, one place so every line speaks the same language. */
import type { StepStatus } from "../../engine/events.js";

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** The spinner frame for a tick (ticks come from the view's timer, so tests are deterministic). */
export function spinnerFrame(tick: number): string {
  return SPINNER[tick % SPINNER.length] ?? "⠋";
}

/** Ink colour names. */
export type Colour = "green" | "red" | "yellow" | "cyan" | "gray" | "magenta";

/** The mark and colour a step or item of this status is drawn with. */
export function statusMark(status: StepStatus, tick: number): { mark: string; colour: Colour } {
  switch (status) {
    case "pending":
      return { mark: "◌", colour: "gray" };
    case "running":
      return { mark: spinnerFrame(tick), colour: "cyan" };
    case "completed":
      return { mark: "✔", colour: "green" };
    case "failed":
      return { mark: "✖", colour: "red" };
    case "timedOut":
      return { mark: "⏱", colour: "red" };
    case "terminated":
      return { mark: "☠", colour: "red" };
    case "canceled":
      return { mark: "⊘", colour: "yellow" };
    case "abandoned":
      return { mark: "↗", colour: "yellow" };
    case "skipped":
      return { mark: "↷", colour: "gray" };
    case "compensated":
      return { mark: "↶", colour: "magenta" };
    case "compensationFailed":
      return { mark: "↶", colour: "red" };
    case "interrupted":
      return { mark: "⏸", colour: "yellow" };
    case "compensating":
      return { mark: "↶", colour: "yellow" };
    default: {
      const unknown: never = status;
      throw new Error(`unknown status ${String(unknown)}`);
    }
  }
}
