// Aerie — AerieTesting module placeholder
// SPDX-License-Identifier: MIT

/// Namespace placeholder until the module has content.
package enum AerieTestingModule {}
