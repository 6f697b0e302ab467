#include "store/Meta.h"

#include <QSqlQuery>
#include <QVariant>

#include "store/Sql.h"

namespace portcullis::store::meta {

Result<std::optional<QString>> read(const QSqlDatabase &db, const QString &name)
{
    auto query = sql::run(db, QStringLiteral("Reading the workspace settings"),
                          QStringLiteral("SELECT value FROM portcullis_meta WHERE name = ?"), {name});
    if (!query)
        return query.error();
    if (!query->next())
        return std::optional<QString>();
    return std::optional<QString>(query->value(0).toString());
}

Result<void> write(const QSqlDatabase &db, const QString &name, const QString &value)
{
    auto done = sql::run(db, QStringLiteral("Saving a workspace setting"),
                         QStringLiteral("INSERT INTO portcullis_meta (name, value) VALUES (?, ?) "
                                        "ON CONFLICT (name) DO UPDATE SET value = excluded.value"),
                         {name, value});
    if (!done)
        return done.error();
    return {};
}

} // namespace portcullis::store::meta
