// Aerie — AerieCore module placeholder
// SPDX-License-Identifier: MIT

/// Namespace placeholder until the module has content.
package enum AerieCoreModule {}
