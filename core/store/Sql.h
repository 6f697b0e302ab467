#pragma once

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QVariantList>

#include "common/Result.h"

class QSqlError;

namespace portcullis::store::sql {

// Prepares `statement` (with '?' placeholders), binds `values` in order and runs it. A failure becomes a
// StoreError (Busy, Corrupt, Conflict or QueryFailed) whose detail starts with `doing` ("revoking key …").
[[nodiscard]] Result<QSqlQuery> run(const QSqlDatabase &db, const QString &doing, const QString &statement,
                                    const QVariantList &values = {});

// The StoreError for a failed Qt Sql call, with a plain detail. The SQL text itself is left out: it may
// hold bound values.
[[nodiscard]] Error errorFrom(const QSqlError &error, const QString &doing);

// The same for a call to SQLite's own API: its (extended) result code and message (sqlite3_errmsg).
[[nodiscard]] Error errorFromSqlite(int code, const QString &message, const QString &doing);

} // namespace portcullis::store::sql
