#pragma once

#include <QSqlDatabase>

#include "common/Result.h"
#include "store/DatabaseLocation.h"

namespace portcullis::store::migrations {

// The schema this build writes. A store with a higher version was written by a newer Portcullis.
[[nodiscard]] int latestVersion();

// The schema version recorded in the store: 0 for an empty database. StoreError::InvalidLocation for a
// database that holds other tables but no Portcullis schema (someone else's database: left alone).
[[nodiscard]] Result<int> currentVersion(const QSqlDatabase &db);

// Applies every migration above the current version, inside the caller's transaction.
[[nodiscard]] Result<int> apply(const QSqlDatabase &db, Dialect dialect);

} // namespace portcullis::store::migrations
