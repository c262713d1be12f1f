/**
 * Imported first by the CLI: Node keeps the compiled code of the CLI's modules on disk between runs
 * (in the system's temporary directory), which saves about a sixth of an engine-free command's time.
 */
import * as nodeModule from "node:module";

nodeModule.enableCompileCache?.();
