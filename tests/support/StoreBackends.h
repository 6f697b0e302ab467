#pragma once

#include <memory>

#include <QString>

#include "PostgresCluster.h"
#include "TempDir.h"

namespace portcullis::store {
class Database;
}

namespace portcullis::test {

// For tests that run against both stores: the data rows "sqlite" and "postgresql" (a column "backend", for
// initTestCase_data), and a fresh store of the current row's kind for each test: a SQLite file in a new
// directory, or a new database on one throwaway PostgreSQL cluster started on first use.
class StoreBackends
{
public:
    static void addRows();

    // A new, empty store for the current data row; fails the program (qFatal) when it cannot be made.
    [[nodiscard]] std::shared_ptr<store::Database> fresh();
    // The last fresh() store opened again, as after a restart.
    [[nodiscard]] std::shared_ptr<store::Database> reopen() const;
    // The last fresh() store's private directory (the SQLite file's, or empty for PostgreSQL).
    [[nodiscard]] QString directory() const { return m_dir ? m_dir->path() : QString(); }

private:
    std::unique_ptr<TempDir> m_dir;
    std::unique_ptr<PostgresCluster> m_cluster;
    QString m_location;
};

} // namespace portcullis::test
