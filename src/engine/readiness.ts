/**
 * DAG readiness: which steps may start now. A step is ready when every step it depends on has
 * finished, whatever the way it finished (a skipped or failed-with-continue dependency still lets
 * its dependents run; they can test `$steps.x.status`). Dependencies outside the section (a
 * `finally` step naming a main step) are already finished by the time the section runs.
 */
export interface DagNode {
  readonly id: string;
  readonly dependsOn: readonly string[];
}

export class Readiness<T extends DagNode> {
  private readonly waitingOn = new Map<string, number>();
  private readonly dependents = new Map<string, T[]>();
  private readonly ready: T[] = [];
  private readonly notStarted = new Set<string>();
  private unfinished: number;

  constructor(nodes: readonly T[]) {
    const ids = new Set(nodes.map((n) => n.id));
    this.unfinished = nodes.length;
    for (const node of nodes) {
      this.notStarted.add(node.id);
      const deps = new Set(node.dependsOn.filter((d) => ids.has(d) && d !== node.id));
      this.waitingOn.set(node.id, deps.size);
      for (const dep of deps) {
        const list = this.dependents.get(dep);
        if (list) list.push(node);
        else this.dependents.set(dep, [node]);
      }
      if (deps.size === 0) this.ready.push(node);
    }
  }

  /** The steps that became ready since the last call, in the order they were given; each once. */
  takeReady(): T[] {
    const taken = this.ready.splice(0, this.ready.length);
    for (const node of taken) this.notStarted.delete(node.id);
    return taken;
  }

  /** Records that a step finished; its dependents may become ready. */
  finish(id: string): void {
    this.unfinished--;
    for (const dependent of this.dependents.get(id) ?? []) {
      const left = (this.waitingOn.get(dependent.id) ?? 0) - 1;
      this.waitingOn.set(dependent.id, left);
      if (left === 0) this.ready.push(dependent);
    }
  }

  /** Steps never handed out by `takeReady` (what a cancelled run marks skipped). */
  neverStarted(): string[] {
    return [...this.notStarted];
  }

  /** True when every step has finished. */
  get done(): boolean {
    return this.unfinished === 0;
  }
}
