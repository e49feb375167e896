/** Cycle detection over step dependencies, reporting each cycle whole, edge by edge. */

/** "from waits for to", and where the file says so. */
export interface DependencyEdge<P = unknown> {
  readonly from: string;
  readonly to: string;
  readonly via: "needs" | "reference";
  readonly position?: P;
}

/**
 * Every strongly connected group of steps that waits on itself, each as one cycle of edges
 * (a → b → ... → a). Tarjan's algorithm, iterative so a 10,000-step chain does not overflow the stack.
 */
export function findCycles<P>(nodes: readonly string[], edges: readonly DependencyEdge<P>[]): DependencyEdge<P>[][] {
  const out = new Map<string, DependencyEdge<P>[]>();
  for (const node of nodes) out.set(node, []);
  for (const edge of edges) if (out.has(edge.from) && out.has(edge.to)) out.get(edge.from)!.push(edge);

  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;

  for (const start of nodes) {
    if (index.has(start)) continue;
    const work: Array<{ node: string; next: number }> = [{ node: start, next: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const successors = out.get(frame.node)!;
      if (frame.next < successors.length) {
        const to = successors[frame.next++]!.to;
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, next: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        const selfLoop = component.length === 1 && successors.some((e) => e.to === frame.node);
        if (component.length > 1 || selfLoop) components.push(component);
      }
    }
  }

  return components.map((component) => cycleWithin(new Set(component), out, nodes));
}

/** One cycle through a strongly connected group, starting at its first member in file order. */
function cycleWithin<P>(
  members: Set<string>,
  out: Map<string, DependencyEdge<P>[]>,
  order: readonly string[],
): DependencyEdge<P>[] {
  const start = order.find((n) => members.has(n))!;
  // Breadth-first from start back to start inside the group gives the shortest cycle.
  const previous = new Map<string, DependencyEdge<P>>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const edge of out.get(node)!) {
      if (!members.has(edge.to)) continue;
      if (edge.to === start) {
        const cycle = [edge];
        let at = node;
        while (at !== start) {
          const e = previous.get(at)!;
          cycle.unshift(e);
          at = e.from;
        }
        return cycle;
      }
      if (!previous.has(edge.to)) {
        previous.set(edge.to, edge);
        queue.push(edge.to);
      }
    }
  }
  return [];
}
