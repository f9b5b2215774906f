// SPDX-License-Identifier: MIT
/** kiln.nn: modules, layers, losses, functional forms and initializers. */
export {};
