#pragma once

#include <QSqlDatabase>

struct sqlite3;

namespace portcullis::store {

// The sqlite3 connection under a Qt SQLite connection (QSqlDriver::handle()), for the hot path where Qt's value
// binding costs more than the statement itself (the event log's appends). Null unless the connection is an open
// QSQLITE one whose driver runs on the SQLite library Portcullis links, checked once per process by comparing
// sqlite_source_id() asked through Qt with sqlite3_sourceid(): a handle must never cross into another SQLite build.
// On Debian both are the system libsqlite3; elsewhere callers fall back to Qt's binding.
[[nodiscard]] sqlite3 *sqliteHandle(const QSqlDatabase &db);

} // namespace portcullis::store
