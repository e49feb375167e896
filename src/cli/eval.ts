// Placeholder until this command is built (see the issues); it says so and exits 2.
import { UserError } from "../user-error.js";

export async function evalCommand(..._args: unknown[]): Promise<number> {
  throw new UserError("'nxrun eval' is not built yet");
}
