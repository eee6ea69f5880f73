// Aerie — AerieJSON module placeholder
// SPDX-License-Identifier: MIT

/// Namespace placeholder until the module has content.
package enum AerieJSONModule {}
