#pragma once

#include <QList>
#include <QSqlDatabase>

#include "common/Result.h"
#include "monitor/SecurityEvent.h"
#include "store/DatabaseLocation.h"

namespace portcullis::monitor {

// Inserts `events` into security_events inside the caller's transaction, 64 rows per statement. On SQLite it binds
// through SQLite's own API on the connection's handle (store::sqliteHandle): Qt's binding builds and hashes a
// placeholder name for every value, which cost the event log about a third of its rate. Elsewhere, Qt's binding.
[[nodiscard]] Result<void> insertEvents(const QSqlDatabase &db, store::Dialect dialect,
                                        const QList<SecurityEvent> &events);

} // namespace portcullis::monitor
