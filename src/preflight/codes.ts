/**
 * Diagnostic codes of `nxrun check --preflight` (what the server says about a pipeline). NX3xx, apart
 * from the language's NX1xx codes; a code never changes meaning once released.
 */
export const PreflightCodes = {
  /** The namespace does not exist on the server. */
  namespaceNotFound: "NX301",
  /** A Nexus endpoint the pipeline names does not exist. */
  endpointNotFound: "NX302",
  /** An activity task queue has no worker polling it. */
  noActivityPollers: "NX303",
  /** An endpoint's target task queue has no worker polling it for Nexus tasks. */
  noNexusPollers: "NX304",
  /** Something could not be checked (permission denied, external endpoint target): a warning. */
  notChecked: "NX309",
} as const;
