#pragma once

#include <optional>

#include <QSqlDatabase>
#include <QString>

#include "common/Result.h"

namespace portcullis::store::meta {

// Named workspace settings kept in the store itself (workspace id, the pepper check …).
[[nodiscard]] Result<std::optional<QString>> read(const QSqlDatabase &db, const QString &name);
// Creates or replaces; run inside the caller's transaction when it belongs with other changes.
[[nodiscard]] Result<void> write(const QSqlDatabase &db, const QString &name, const QString &value);

} // namespace portcullis::store::meta
