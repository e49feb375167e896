#!/usr/bin/env node
import { exitWhenSettled } from "../dist/src/cli/exit-guard.js";
import { main } from "../dist/src/cli/main.js";

exitWhenSettled(main(process.argv.slice(2)));
