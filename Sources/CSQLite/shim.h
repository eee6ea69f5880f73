// Aerie — SQLite shim
// SPDX-License-Identifier: MIT
#ifndef AERIE_CSQLITE_SHIM_H
#define AERIE_CSQLITE_SHIM_H
#include <sqlite3.h>

/// SQLITE_TRANSIENT is a macro over a cast function pointer that Swift cannot import.
static inline sqlite3_destructor_type aerie_sqlite_transient(void) { return SQLITE_TRANSIENT; }
/// SQLITE_STATIC likewise.
static inline sqlite3_destructor_type aerie_sqlite_static(void) { return SQLITE_STATIC; }
/// sqlite3_db_config is variadic; this covers the integer on/off options.
static inline int aerie_sqlite_db_config_int(sqlite3 *db, int op, int value, int *out) {
    return sqlite3_db_config(db, op, value, out);
}
#endif
