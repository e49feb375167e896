// Placeholder until these commands are built (see the issues); they say so and exit 2.
import { UserError } from "../user-error.js";

export async function listCommand(..._args: unknown[]): Promise<number> {
  throw new UserError("'nxrun list' is not built yet");
}
export async function countCommand(..._args: unknown[]): Promise<number> {
  throw new UserError("'nxrun count' is not built yet");
}
