#include "store/Migrations.h"

#include <QDateTime>
#include <QSqlQuery>
#include <QStringBuilder>
#include <QStringList>

#include "common/BuildInfo.h"
#include "store/Sql.h"
#include "store/StoreError.h"

namespace portcullis::store::migrations {

namespace {

const QString SCHEMA_TABLE = QStringLiteral("portcullis_schema");

// One migration: its statements, with {blob} standing for the dialect's bytes type and {serial} for an integer
// primary key the database numbers itself, always upwards (never reusing the number of a deleted row). Never edit a
// released migration; add the next one.
struct Migration
{
    int version;
    QStringList statements;
};

const std::vector<Migration> &all()
{
    static const std::vector<Migration> migrations = {
        {1,
         {
             QStringLiteral("CREATE TABLE portcullis_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)"),
             QStringLiteral("CREATE TABLE portcullis_counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)"),
             QStringLiteral("INSERT INTO portcullis_counters (name, value) VALUES ('api_keys', 0)"),
             QStringLiteral("CREATE TABLE api_keys ("
                            " id TEXT PRIMARY KEY,"
                            " prefix TEXT NOT NULL,"
                            " last_four TEXT NOT NULL,"
                            " keyed_hash {blob} NOT NULL UNIQUE,"
                            " name TEXT NOT NULL,"
                            " owner TEXT NOT NULL DEFAULT '',"
                            " description TEXT NOT NULL DEFAULT '',"
                            " scopes TEXT NOT NULL DEFAULT '',"
                            " state TEXT NOT NULL CHECK (state IN ('active', 'revoked', 'expired', 'rotating')),"
                            " created_at BIGINT NOT NULL,"
                            " expires_at BIGINT,"
                            " revoked_at BIGINT,"
                            " revoked_reason TEXT,"
                            " grace_ends_at BIGINT,"
                            " replaced_by TEXT REFERENCES api_keys (id),"
                            " revision BIGINT NOT NULL)"),
             // Usage apart from the keys: the frequent batched writes touch only these narrow rows.
             QStringLiteral("CREATE TABLE api_key_usage ("
                            " key_id TEXT PRIMARY KEY REFERENCES api_keys (id),"
                            " usage_count BIGINT NOT NULL,"
                            " last_used_at BIGINT NOT NULL,"
                            " last_used_from TEXT NOT NULL)"),
             QStringLiteral("CREATE INDEX api_keys_revision ON api_keys (revision)"),
             QStringLiteral("CREATE INDEX api_keys_state ON api_keys (state)"),
         }},
        {2,
         {
             // The event log. Types and severities by their stable names; subjects NULL when the event has none, so
             // the partial indexes below hold only events that have that subject.
             QStringLiteral("CREATE TABLE security_events ("
                            " id {serial},"
                            " time_ms BIGINT NOT NULL,"
                            " type TEXT NOT NULL,"
                            " severity TEXT NOT NULL,"
                            " source TEXT,"
                            " key_id TEXT,"
                            " client_id TEXT,"
                            " user_name TEXT,"
                            " reason TEXT NOT NULL DEFAULT '',"
                            " route TEXT NOT NULL DEFAULT '',"
                            " detail TEXT NOT NULL DEFAULT '',"
                            " instance TEXT NOT NULL DEFAULT '')"),
             QStringLiteral("CREATE INDEX security_events_time ON security_events (time_ms)"),
             QStringLiteral("CREATE INDEX security_events_type_time ON security_events (type, time_ms)"),
             QStringLiteral("CREATE INDEX security_events_source ON security_events (source) WHERE source IS NOT NULL"),
             QStringLiteral("CREATE INDEX security_events_key ON security_events (key_id) WHERE key_id IS NOT NULL"),
             QStringLiteral(
                 "CREATE INDEX security_events_client ON security_events (client_id) WHERE client_id IS NOT NULL"),
             QStringLiteral(
                 "CREATE INDEX security_events_user ON security_events (user_name) WHERE user_name IS NOT NULL"),
         }},
        // The failed-auth tracker's state (monitor/FailedAuthTracker): counts and locks per subject, so a lock
        // survives a restart. Times in ms since the epoch; 0 for "none".
        {3,
         {
             QStringLiteral("CREATE TABLE auth_failures ("
                            " kind TEXT NOT NULL CHECK (kind IN ('user', 'client', 'api_key', 'source')),"
                            " subject TEXT NOT NULL,"
                            " failures BIGINT NOT NULL,"
                            " last_failure_ms BIGINT NOT NULL,"
                            " last_source TEXT NOT NULL DEFAULT '',"
                            " locked_since_ms BIGINT NOT NULL DEFAULT 0,"
                            " locked_until_ms BIGINT NOT NULL DEFAULT 0,"
                            " permanent INTEGER NOT NULL DEFAULT 0,"
                            " temporary_lockouts INTEGER NOT NULL DEFAULT 0,"
                            " lock_reason TEXT NOT NULL DEFAULT '',"
                            " PRIMARY KEY (kind, subject))"),
             // What the periodic reload of locks reads: temporary locks still running, and permanent ones.
             QStringLiteral("CREATE INDEX auth_failures_locked_until ON auth_failures (locked_until_ms)"),
             QStringLiteral("CREATE INDEX auth_failures_permanent ON auth_failures (kind) WHERE permanent <> 0"),
         }},
        // Flow Lab's provider profiles (oauth/FlowProfileRepository): how to reach a provider as a client, and a
        // summary of the last run. No secret: client secrets, assertion keys and tokens live in the SecretStore.
        {4,
         {
             QStringLiteral("CREATE TABLE flow_profiles ("
                            " name TEXT PRIMARY KEY,"
                            " profile TEXT NOT NULL,"
                            " created_ms BIGINT NOT NULL,"
                            " updated_ms BIGINT NOT NULL,"
                            " last_run_ms BIGINT NOT NULL DEFAULT 0,"
                            " last_result TEXT NOT NULL DEFAULT '')"),
         }},
    };
    return migrations;
}

} // namespace

int latestVersion()
{
    return all().back().version;
}

Result<int> currentVersion(const QSqlDatabase &db)
{
    const QStringList tables = db.tables(QSql::Tables);
    if (!tables.contains(SCHEMA_TABLE)) {
        if (!tables.isEmpty())
            return Error(StoreError::InvalidLocation,
                         QStringLiteral("This database holds other tables but no Portcullis store. Portcullis leaves "
                                        "it alone: point the workspace at a new file or an empty database."));
        return 0;
    }
    auto query = sql::run(db, QStringLiteral("Reading the schema version"),
                          QStringLiteral("SELECT MAX(version) FROM portcullis_schema"));
    if (!query)
        return query.error();
    if (!query->next())
        return 0;
    return query->value(0).toInt();
}

Result<int> apply(const QSqlDatabase &db, Dialect dialect)
{
    auto current = currentVersion(db);
    if (!current)
        return current.error();
    int version = *current;
    if (version > latestVersion())
        return Error(StoreError::NewerSchema,
                     u"This store was written by a newer Portcullis (schema " % QString::number(version)
                         % u"; this version knows up to " % QString::number(latestVersion())
                         % u"). Update Portcullis to open it; it is left unchanged.");
    const bool postgres = dialect == Dialect::Postgres;
    const QString blob = postgres ? QStringLiteral("BYTEA") : QStringLiteral("BLOB");
    const QString serial = postgres ? QStringLiteral("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
                                    : QStringLiteral("INTEGER PRIMARY KEY AUTOINCREMENT");
    if (version == 0) {
        auto created = sql::run(db, QStringLiteral("Creating the schema table"),
                                QStringLiteral("CREATE TABLE portcullis_schema (version INTEGER NOT NULL, "
                                               "applied_at BIGINT NOT NULL, written_by TEXT NOT NULL)"));
        if (!created)
            return created.error();
    }
    for (const Migration &migration : all()) {
        if (migration.version <= version)
            continue;
        const QString doing = u"Migrating the store to schema " % QString::number(migration.version);
        for (QString statement : migration.statements) {
            statement.replace(QStringLiteral("{blob}"), blob);
            statement.replace(QStringLiteral("{serial}"), serial);
            if (auto done = sql::run(db, doing, statement); !done)
                return Error(StoreError::MigrationFailed, done.error().detail());
        }
        auto recorded = sql::run(db, doing,
                                 QStringLiteral("INSERT INTO portcullis_schema (version, applied_at, written_by) "
                                                "VALUES (?, ?, ?)"),
                                 {migration.version, QDateTime::currentSecsSinceEpoch(), buildinfo::version()});
        if (!recorded)
            return Error(StoreError::MigrationFailed, recorded.error().detail());
        version = migration.version;
    }
    return version;
}

} // namespace portcullis::store::migrations
