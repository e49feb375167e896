/** nxrun's version: printed by `--version` and recorded in each run's manifest. Kept equal to package.json's. */
export const NXRUN_VERSION = "0.1.0";
