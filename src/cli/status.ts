// Placeholder until this command is built (see the issues); it says so and exits 2.
import { UserError } from "../user-error.js";

export async function statusCommand(..._args: unknown[]): Promise<number> {
  throw new UserError("'nxrun status' is not built yet");
}
