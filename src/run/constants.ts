// Names shared by the CLI and the suite worker; imports nothing, so `meshgate --version` stays cheap.

/** Names the JSON file that carries the run context from the CLI to the suite worker. */
export const RUN_CONTEXT_ENV = 'MESHGATE_RUN_CONTEXT';
export const DEFAULT_REPORT_DIR = 'reports';
/** meshgate's version (package.json), for `--version` and the reports' environment. */
export const MESHGATE_VERSION = '0.1.0';
