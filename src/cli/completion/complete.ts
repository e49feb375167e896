/**
 * What TAB offers, read from commander's own metadata (commands, options, their value placeholders
 * and choices, arguments), so a new flag completes without touching this file. Pipeline files and
 * any-file paths are left to the shell (it knows quoting, `~` and directories); `-i` names come
 * from the inputs of the pipeline named on the line.
 */
import type { Argument, Command, Option } from "commander";
import { declaredInputs } from "./pipeline-inputs.js";
import { splitShellWords } from "./shell-words.js";

export interface Candidate {
  readonly value: string;
  readonly description?: string;
}

/** Candidates, plus whether the shell should also offer pipeline files or any file. */
export interface Completion {
  readonly candidates: Candidate[];
  readonly files?: "pipelines" | "any";
  /** A run ID goes here: the recent runs starting with `prefix`, asked with the line's connection flags (run-ids.ts). */
  readonly runIds?: { readonly prefix: string; readonly flags: Readonly<Record<string, unknown>> };
}

const NONE: Completion = { candidates: [] };

/** Completes the last word of `line` (the command line up to the cursor, starting with `nxrun`). */
export function complete(program: Command, line: string, cwd?: string): Completion {
  const { done, current } = splitShellWords(line);
  const words = done.slice(1); // the program's own name
  const commands = program.commands;
  const first = words.findIndex((w) => !w.startsWith("-"));
  if (first < 0) {
    if (current.startsWith("-")) return matching(optionCandidates(program), current);
    return {
      candidates: filter(
        commands.map((c) => ({ value: c.name(), description: c.description() })),
        current,
      ),
      files: "pipelines",
    };
  }
  const named = commands.find((c) => c.name() === words[first]);
  // `nxrun p.yaml ...` is `nxrun run p.yaml ...`: the first word is the pipeline, already given.
  const command = named ?? commands.find((c) => c.name() === "run");
  if (!command) return NONE;
  const rest = named ? words.slice(first + 1) : words.slice(first);
  const state = walk(command, rest);
  const pipelineFile = (): string | undefined =>
    command.name() === "eval" ? state.values.get("--pipeline") : state.positionals[0];

  // `--format=gi`: the value of an option written in one word.
  const eq = current.startsWith("--") ? current.indexOf("=") : -1;
  if (eq > 0) {
    const option = findOption(command, current.slice(0, eq));
    if (!option || !takesValue(option)) return NONE;
    const prefix = current.slice(0, eq + 1);
    const inner = valueCompletion(option, current.slice(eq + 1), pipelineFile, cwd);
    return { ...inner, candidates: inner.candidates.map((c) => ({ ...c, value: prefix + c.value })) };
  }
  if (state.pending?.long === "--resume") return runIdCompletion(command, state, current);
  if (state.pending) return valueCompletion(state.pending, current, pipelineFile, cwd);
  if (current.startsWith("-")) return matching(optionCandidates(command), current);
  const argument = argumentAt(command, state.positionals.length + (named ? 0 : 1));
  if (!argument) return NONE;
  if (argument.argChoices) return matching(argument.argChoices.map(plain), current);
  if (argument.name() === "run-id") return runIdCompletion(command, state, current);
  return /pipeline/.test(argument.name()) ? { candidates: [], files: "pipelines" } : NONE;
}

/**
 * The completion as lines for the shell scripts (scripts.ts): `value<TAB>description`, then
 * `::pipelines` or `::files`. bash replaces only what follows the last `=` or `:` of the word (its
 * COMP_WORDBREAKS), so for bash the values start there.
 */
export function completionLines(completion: Completion, shell: string, line: string): string[] {
  const { current } = splitShellWords(line);
  const cut = shell === "bash" ? Math.max(current.lastIndexOf("="), current.lastIndexOf(":")) + 1 : 0;
  const lines = completion.candidates.map((c) => {
    const value = c.value.slice(cut);
    return c.description ? `${value}\t${oneLine(c.description)}` : value;
  });
  if (completion.files === "pipelines") lines.push("::pipelines");
  if (completion.files === "any") lines.push("::files");
  return lines;
}

interface WalkState {
  positionals: string[];
  /** The last value given to each option, by long name. */
  values: Map<string, string>;
  /** Options without a value that were given (`--tls`), by long name. */
  flagsOn: Set<string>;
  /** The option whose value the current word is. */
  pending?: Option;
}

function walk(command: Command, words: readonly string[]): WalkState {
  const state: WalkState = { positionals: [], values: new Map(), flagsOn: new Set() };
  let afterDashes = false;
  for (const word of words) {
    if (state.pending) {
      state.values.set(state.pending.long ?? state.pending.short ?? "", word);
      state.pending = undefined;
    } else if (afterDashes || !word.startsWith("-") || word === "-") {
      state.positionals.push(word);
    } else if (word === "--") {
      afterDashes = true;
    } else {
      const eq = word.indexOf("=");
      const option = findOption(command, eq > 0 ? word.slice(0, eq) : word);
      if (option && eq > 0) state.values.set(option.long ?? "", word.slice(eq + 1));
      else if (option?.required) state.pending = option;
      else if (option) state.flagsOn.add(option.long ?? "");
    }
  }
  return state;
}

/** The options given on the line, as commander would hand them to the command: the connection to ask. */
function runIdCompletion(command: Command, state: WalkState, prefix: string): Completion {
  const flags: Record<string, unknown> = {};
  for (const [long, value] of state.values) {
    const option = findOption(command, long);
    if (option) flags[option.attributeName()] = option.parseArg ? option.parseArg(value, undefined) : value;
  }
  for (const option of command.options)
    if (state.flagsOn.has(option.long ?? "") && !takesValue(option)) flags[option.attributeName()] = true;
  return { candidates: [], runIds: { prefix, flags } };
}

function valueCompletion(
  option: Option,
  current: string,
  pipelineFile: () => string | undefined,
  cwd: string | undefined,
): Completion {
  if (option.argChoices) return matching(option.argChoices.map(plain), current);
  if (option.long === "--input") return inputCompletion(pipelineFile(), current, cwd);
  const placeholder = /<([^>]+)>/.exec(option.flags)?.[1] ?? "";
  if (option.long === "--pipeline") return { candidates: [], files: "pipelines" };
  if (placeholder === "file" || placeholder === "path") return { candidates: [], files: "any" };
  return NONE;
}

/** `-i <TAB>`: `name=` for each declared input; `-i name=<TAB>`: its enum (or boolean) values. */
function inputCompletion(file: string | undefined, current: string, cwd: string | undefined): Completion {
  if (file === undefined) return NONE;
  const inputs = declaredInputs(file, cwd);
  const eq = current.indexOf("=");
  if (eq < 0) {
    return matching(
      inputs.map((i) => ({ value: `${i.name}=`, ...(i.description ? { description: i.description } : {}) })),
      current,
    );
  }
  const input = inputs.find((i) => i.name === current.slice(0, eq));
  return matching(
    (input?.values ?? []).map((v) => plain(`${current.slice(0, eq + 1)}${v}`)),
    current,
  );
}

function optionCandidates(command: Command): Candidate[] {
  const options = command.options.filter((o) => !o.hidden && o.long !== undefined);
  const out = options.map((o) => ({ value: o.long as string, description: o.description }));
  out.push({ value: "--help", description: "show help" });
  return out;
}

function findOption(command: Command, flag: string): Option | undefined {
  if (flag === "--help" || flag === "-h") return undefined;
  return command.options.find((o) => o.long === flag || o.short === flag);
}

function takesValue(option: Option): boolean {
  return option.required || option.optional;
}

function argumentAt(command: Command, index: number): Argument | undefined {
  const args = command.registeredArguments;
  const last = args[args.length - 1];
  return args[index] ?? (last?.variadic ? last : undefined);
}

function matching(candidates: Candidate[], current: string): Completion {
  return { candidates: filter(candidates, current) };
}

function filter(candidates: Candidate[], current: string): Candidate[] {
  return candidates.filter((c) => c.value.startsWith(current));
}

function plain(value: string): Candidate {
  return { value };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
