#include "oauth/FlowProfileRepository.h"

#include <QJsonDocument>
#include <QSqlQuery>

#include "common/Redaction.h"
#include "store/Database.h"
#include "store/Sql.h"
#include "store/StoreError.h"

namespace portcullis::oauth {

namespace {

const QString SELECT = QStringLiteral("SELECT name, profile, created_ms, updated_ms, last_run_ms, last_result "
                                      "FROM flow_profiles ");

QString compact(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

Result<FlowProfileRepository::Row> rowFrom(const QSqlQuery &query)
{
    const QString name = query.value(0).toString();
    const QJsonObject json = QJsonDocument::fromJson(query.value(1).toString().toUtf8()).object();
    auto profile = ProviderProfile::fromJson(json);
    if (!profile)
        return profile.error().withContext(
            QStringLiteral("the profile \"%1\" is damaged (`portcullis-cli flow profiles remove %1` removes it)")
                .arg(redaction::escapeUntrusted(name, 64)));
    FlowProfileRepository::Row row;
    row.profile = std::move(*profile);
    row.profile.name = name;
    row.createdMs = query.value(2).toLongLong();
    row.updatedMs = query.value(3).toLongLong();
    row.lastRunMs = query.value(4).toLongLong();
    row.lastResult = QJsonDocument::fromJson(query.value(5).toString().toUtf8()).object();
    return row;
}

Error notFound(const QString &name)
{
    return Error(store::StoreError::NotFound,
                 QStringLiteral("There is no flow profile named \"%1\"; "
                                "`portcullis-cli flow profiles list` shows the saved ones.")
                     .arg(redaction::escapeUntrusted(name, 64)));
}

} // namespace

FlowProfileRepository::FlowProfileRepository(std::shared_ptr<store::Database> database)
    : m_database(std::move(database))
{ }

Result<void> FlowProfileRepository::save(const ProviderProfile &profile, qint64 nowMs)
{
    auto db = m_database->connection();
    if (!db)
        return db.error();
    QJsonObject json = profile.toJson();
    json.remove(QStringLiteral("name"));
    auto query = store::sql::run(*db, QStringLiteral("saving the flow profile"),
                                 QStringLiteral("INSERT INTO flow_profiles (name, profile, created_ms, updated_ms) "
                                                "VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                                                "profile = excluded.profile, updated_ms = excluded.updated_ms"),
                                 {profile.name, compact(json), nowMs, nowMs});
    if (!query)
        return query.error();
    return {};
}

Result<void> FlowProfileRepository::recordRun(const QString &name, const QJsonObject &summary, qint64 nowMs)
{
    auto db = m_database->connection();
    if (!db)
        return db.error();
    auto query
        = store::sql::run(*db, QStringLiteral("recording the flow's result"),
                          QStringLiteral("UPDATE flow_profiles SET last_run_ms = ?, last_result = ? WHERE name = ?"),
                          {nowMs, compact(summary), name});
    if (!query)
        return query.error();
    if (query->numRowsAffected() == 0)
        return notFound(name);
    return {};
}

Result<FlowProfileRepository::Row> FlowProfileRepository::find(const QString &name) const
{
    auto db = m_database->connection();
    if (!db)
        return db.error();
    auto query = store::sql::run(*db, QStringLiteral("reading the flow profile"),
                                 SELECT + QStringLiteral("WHERE name = ?"), {name});
    if (!query)
        return query.error();
    if (!query->next())
        return notFound(name);
    return rowFrom(*query);
}

Result<std::vector<FlowProfileRepository::Row>> FlowProfileRepository::list() const
{
    auto db = m_database->connection();
    if (!db)
        return db.error();
    auto query
        = store::sql::run(*db, QStringLiteral("listing flow profiles"), SELECT + QStringLiteral("ORDER BY name"));
    if (!query)
        return query.error();
    std::vector<Row> rows;
    while (query->next()) {
        auto row = rowFrom(*query);
        if (!row)
            return row.error();
        rows.push_back(std::move(*row));
    }
    return rows;
}

Result<void> FlowProfileRepository::remove(const QString &name)
{
    auto db = m_database->connection();
    if (!db)
        return db.error();
    auto query = store::sql::run(*db, QStringLiteral("removing the flow profile"),
                                 QStringLiteral("DELETE FROM flow_profiles WHERE name = ?"), {name});
    if (!query)
        return query.error();
    if (query->numRowsAffected() == 0)
        return notFound(name);
    return {};
}

} // namespace portcullis::oauth
