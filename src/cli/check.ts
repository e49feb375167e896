// Placeholder until this command is built (see the issues); it says so and exits 2.
import { UserError } from "../user-error.js";

export async function checkCommand(..._args: unknown[]): Promise<number> {
  throw new UserError("'nxrun check' is not built yet");
}
