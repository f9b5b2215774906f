#!/usr/bin/env node
// SPDX-License-Identifier: MIT
/** The `kiln` executable: `kiln train`, `kiln predict`, `kiln bench` (see program.ts). */
import { main } from './program';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
