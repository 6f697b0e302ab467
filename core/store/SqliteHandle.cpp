#include "store/SqliteHandle.h"

#include <mutex>

#include <sqlite3.h>

#include <QLoggingCategory>
#include <QSqlDriver>
#include <QSqlQuery>
#include <QVariant>

namespace portcullis::store {

namespace {

Q_LOGGING_CATEGORY(lcSqlite, "portcullis.core.store")

bool sameLibrary(const QSqlDatabase &db)
{
    static std::once_flag checked;
    static bool same = false;
    std::call_once(checked, [&db] {
        QSqlQuery query(db);
        const QString linked = QString::fromUtf8(sqlite3_sourceid());
        QString qts;
        if (query.exec(QStringLiteral("SELECT sqlite_source_id()")) && query.next())
            qts = query.value(0).toString();
        same = qts == linked;
        if (!same)
            qCWarning(lcSqlite).noquote()
                << "Qt's SQLite driver runs on another SQLite build (" << qts << ") than Portcullis links (" << linked
                << "); the event log is written through Qt's slower binding.";
    });
    return same;
}

} // namespace

sqlite3 *sqliteHandle(const QSqlDatabase &db)
{
    if (db.driverName() != u"QSQLITE" || !db.isOpen())
        return nullptr;
    const QVariant handle = db.driver()->handle();
    if (!handle.isValid() || qstrcmp(handle.typeName(), "sqlite3*") != 0 || !sameLibrary(db))
        return nullptr;
    return *static_cast<sqlite3 *const *>(handle.constData());
}

} // namespace portcullis::store
