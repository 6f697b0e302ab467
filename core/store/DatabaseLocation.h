#pragma once

#include <QString>

#include "common/Result.h"

namespace portcullis::store {

enum class Dialect
{
    Sqlite,
    Postgres,
};

// Where a workspace's database lives: a SQLite file (the embedded default) or a PostgreSQL server shared by
// several instances. Parsed from what an operator types:
//     /path/to/portcullis.db, sqlite:/path/to/portcullis.db, sqlite:///path/to/portcullis.db
//     postgresql://[user[:password]@]host[:port]/database[?sslmode=…&connect_timeout=…]   (also postgres://)
// A password is better left to PGPASSWORD or ~/.pgpass; one in the URL is accepted but never displayed.
struct DatabaseLocation
{
    Dialect dialect = Dialect::Sqlite;
    QString path; // SQLite: the database file, absolute
    QString host; // PostgreSQL
    int port = 5432;
    QString database;
    QString user;
    QString password;
    QString options; // libpq connection options, "key=value;key=value" as QPSQL expects

    [[nodiscard]] static Result<DatabaseLocation> parse(const QString &text);
    [[nodiscard]] static DatabaseLocation sqliteFile(const QString &path);

    // For people and logs: never holds the password.
    [[nodiscard]] QString displayName() const;
};

} // namespace portcullis::store
