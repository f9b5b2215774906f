// SPDX-License-Identifier: MIT
/** The error the job raises for input a user can fix: the CLI prints it on one line and exits with 2. */
import { KilnError } from '../errors';

export class JobInputError extends KilnError {
  constructor(message: string) {
    super(message, 'KILN_JOB_INPUT');
  }
}
