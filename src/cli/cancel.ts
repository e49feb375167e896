// Placeholder until this command is built (see the issues); it says so and exits 2.
import { UserError } from "../user-error.js";

export async function cancelCommand(..._args: unknown[]): Promise<number> {
  throw new UserError("'nxrun cancel' is not built yet");
}
