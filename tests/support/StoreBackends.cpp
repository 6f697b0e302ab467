#include "StoreBackends.h"

#include <QTest>

#include "store/Database.h"
#include "store/DatabaseLocation.h"

namespace portcullis::test {

void StoreBackends::addRows()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("postgresql") << QStringLiteral("postgresql");
}

std::shared_ptr<store::Database> StoreBackends::fresh()
{
    QFETCH_GLOBAL(QString, backend);
    m_dir = std::make_unique<TempDir>();
    if (backend == u"sqlite") {
        m_location = m_dir->filePath(QStringLiteral("portcullis.db"));
    } else {
        if (!m_cluster) {
            auto cluster = PostgresCluster::start();
            if (!cluster)
                qFatal("%s", qPrintable(cluster.error().detail()));
            m_cluster = std::move(*cluster);
        }
        auto database = m_cluster->createDatabase();
        if (!database)
            qFatal("%s", qPrintable(database.error().detail()));
        m_location = *database;
    }
    return reopen();
}

std::shared_ptr<store::Database> StoreBackends::reopen() const
{
    auto location = store::DatabaseLocation::parse(m_location);
    if (!location)
        qFatal("%s", qPrintable(location.error().toString()));
    auto database = store::Database::open(*location);
    if (!database)
        qFatal("%s", qPrintable(database.error().toString()));
    return *database;
}

} // namespace portcullis::test
