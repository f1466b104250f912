#ifndef CHATTER_SQLITE_H
#define CHATTER_SQLITE_H

/// Turns on SQLite's query planner stability guarantee (`SQLITE_DBCONFIG_ENABLE_QPSG`) for a connection, given as
/// the `sqlite3 *` handle of the libsqlite3 copy SQLiteNIO builds. `sqlite3_db_config` is variadic, which Swift cannot
/// call. Returns SQLite's result code.
int chatter_sqlite_enable_qpsg(void *connection);

#endif
