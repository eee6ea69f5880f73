// Aerie — the aerie command
// SPDX-License-Identifier: MIT
print("aerie")
