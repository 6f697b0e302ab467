#include <QBuffer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSqlQuery>
#include <QTest>

#include "FakeClock.h"
#include "ResultText.h"
#include "StoreBackends.h"
#include "monitor/EventBus.h"
#include "monitor/EventExport.h"
#include "monitor/EventLog.h"
#include "monitor/EventLogError.h"
#include "monitor/EventLogWriter.h"
#include "monitor/EventSelect.h"
#include "store/Database.h"

using namespace portcullis;
using namespace portcullis::monitor;
using namespace std::chrono_literals;

namespace {

constexpr qint64 START = test::FakeClock::DEFAULT_START_MS;

SecurityEvent makeEvent(qint64 timeMs, EventType type, const QString &source, const QString &keyId = {})
{
    SecurityEvent e;
    e.timeMs = timeMs;
    e.type = type;
    e.severity = defaultSeverity(type);
    e.sourceAddress = source;
    e.keyId = keyId;
    e.reason = QStringLiteral("unknown_key");
    e.route = QStringLiteral("GET /v1/items");
    e.detail = QStringLiteral("The key is not known.");
    e.instanceId = QStringLiteral("gw-1");
    return e;
}

// `count` failed_auth events one second apart from START, from 10.0.<i/256>.<i%256>.
QList<SecurityEvent> series(int count, qint64 startMs = START)
{
    QList<SecurityEvent> events;
    for (int i = 0; i < count; ++i)
        events.append(makeEvent(startMs + i * 1000LL, EventType::FailedAuth,
                                QStringLiteral("10.0.%1.%2").arg(i / 256).arg(i % 256)));
    return events;
}

} // namespace

// The event log against both stores: SQLite (a file per test) and PostgreSQL (a throwaway cluster).
class TestEventLog : public QObject
{
    Q_OBJECT

private:
    test::StoreBackends m_stores;
    test::FakeClock m_clock;
    std::shared_ptr<store::Database> m_database;

    std::unique_ptr<EventLog> freshLog()
    {
        m_database.reset();
        m_database = m_stores.fresh();
        return std::make_unique<EventLog>(m_database, m_clock);
    }

    bool exec(const QString &statement)
    {
        auto db = m_database->connection();
        return db && QSqlQuery(*db).exec(statement);
    }

private Q_SLOTS:
    void initTestCase_data() { test::StoreBackends::addRows(); }

    void init() { m_clock.setUnixMillis(START); }

    void appendsAndReadsBackEveryField()
    {
        auto log = freshLog();
        SecurityEvent full
            = makeEvent(START, EventType::RefreshReuse, QStringLiteral("203.0.113.9"), QStringLiteral("k1"));
        full.clientId = QStringLiteral("client-7");
        full.user = QStringLiteral("alice");
        full.detail = QString::fromUtf16(u"Refresh token reused \u2014 family revoked, \"quoted\", ünïcödé");
        full = normalized(full);
        const SecurityEvent sparse = normalized(makeEvent(START + 1, EventType::ConfigChanged, {}));
        QVERIFY2(log->append({full, sparse}).has_value(), "append");
        auto read = log->query({});
        QVERIFY2(read.has_value(), test::why(read).constData());
        QCOMPARE(read->size(), 2);
        QCOMPARE(read->at(0).event, full);
        QCOMPARE(read->at(1).event, sparse);
        QVERIFY(read->at(0).id < read->at(1).id);
        // Absent subjects are NULL, so the subject indexes hold only events that have one.
        auto db = m_database->connection();
        QSqlQuery nulls(*db);
        QVERIFY(nulls.exec(QStringLiteral("SELECT COUNT(*) FROM security_events WHERE source IS NULL AND "
                                          "key_id IS NULL AND client_id IS NULL AND user_name IS NULL")));
        QVERIFY(nulls.next());
        QCOMPARE(nulls.value(0).toInt(), 1);
        QCOMPARE(*log->count(), 2);
        QVERIFY(log->append({}).has_value());
    }

    void queriesByTimeTypeAndSubject()
    {
        auto log = freshLog();
        QList<SecurityEvent> events = series(100);
        events.append(
            makeEvent(START + 10'500, EventType::RateLimited, QStringLiteral("198.51.100.1"), QStringLiteral("k1")));
        events.append(makeEvent(START + 20'500, EventType::Lockout, QStringLiteral("198.51.100.2")));
        SecurityEvent byUser = makeEvent(START + 30'500, EventType::FailedAuth, {});
        byUser.user = QStringLiteral("k1"); // the same text as a key id: a subject matches any subject column
        events.append(byUser);
        QVERIFY(log->append(events).has_value());

        EventQuery range;
        range.sinceMs = START + 10'000;
        range.untilMs = START + 20'000;
        auto inRange = log->query(range);
        QVERIFY2(inRange.has_value(), test::why(inRange).constData());
        QCOMPARE(inRange->size(), 11); // ten failures (10 s … 19 s) and the rate-limit event at 10.5 s
        for (const LoggedEvent &logged : *inRange)
            QVERIFY(logged.event.timeMs >= START + 10'000 && logged.event.timeMs < START + 20'000);

        EventQuery types;
        types.types = {EventType::RateLimited, EventType::Lockout};
        auto typed = log->query(types);
        QVERIFY(typed.has_value());
        QCOMPARE(typed->size(), 2);
        QCOMPARE(typed->at(0).event.type, EventType::RateLimited);
        QCOMPARE(typed->at(1).event.type, EventType::Lockout);

        EventQuery subject;
        subject.subject = QStringLiteral("k1");
        auto bySubject = log->query(subject);
        QVERIFY(bySubject.has_value());
        QCOMPARE(bySubject->size(), 2);
        QCOMPARE(bySubject->at(0).event.keyId, QStringLiteral("k1"));
        QCOMPARE(bySubject->at(1).event.user, QStringLiteral("k1"));
        subject.subject = QStringLiteral("10.0.0.42");
        QCOMPARE(log->query(subject)->size(), 1);

        EventQuery combined;
        combined.sinceMs = START + 15'000;
        combined.types = {EventType::FailedAuth};
        combined.subject = QStringLiteral("k1");
        auto both = log->query(combined);
        QCOMPARE(both->size(), 1);
        QCOMPARE(both->at(0).event.timeMs, START + 30'500);

        // A subject is compared as the log stores it: escaped like an event's.
        SecurityEvent odd = makeEvent(START, EventType::FailedAuth, QStringLiteral("bad\nname"));
        QVERIFY(log->append({normalized(odd)}).has_value());
        subject.subject = QStringLiteral("bad\nname");
        QCOMPARE(log->query(subject)->size(), 1);
    }

    // A query by subject, or by type and time, reads an index, never the whole table (SQLite's plan; PostgreSQL plans
    // by its statistics, so a small test table says nothing there). By time alone SQLite may instead walk the ids in
    // the order asked for and stop at the limit, which bounds the query by the table's size, never worse.
    void queriesReadAnIndex()
    {
        QFETCH_GLOBAL(QString, backend);
        if (backend != u"sqlite")
            QSKIP("EXPLAIN QUERY PLAN is SQLite's");
        auto log = freshLog();
        QVERIFY(log->append(series(1000)).has_value());
        const auto plan = [this](const EventQuery &query) {
            auto select = eventSelect(query);
            if (!select)
                return QStringLiteral("invalid query");
            auto db = m_database->connection();
            QSqlQuery explain(*db);
            explain.prepare(u"EXPLAIN QUERY PLAN " % select->statement);
            for (const QVariant &value : select->values)
                explain.addBindValue(value);
            if (!explain.exec())
                return QStringLiteral("EXPLAIN failed");
            QStringList steps;
            while (explain.next())
                steps << explain.value(3).toString();
            return steps.join(u" | ");
        };
        EventQuery bySubject;
        bySubject.subject = QStringLiteral("10.0.0.7");
        bySubject.order = EventQuery::Order::NewestFirst;
        QString steps = plan(bySubject);
        for (const char *index :
             {"security_events_source", "security_events_key", "security_events_client", "security_events_user"})
            QVERIFY2(steps.contains(QLatin1String(index)), qPrintable(steps));
        QVERIFY2(!steps.contains(u"SCAN security_events"), qPrintable(steps));

        EventQuery byTypeAndTime;
        byTypeAndTime.types = {EventType::Lockout};
        byTypeAndTime.sinceMs = START;
        byTypeAndTime.untilMs = START + 60'000;
        steps = plan(byTypeAndTime);
        QVERIFY2(steps.contains(u"USING INDEX security_events_type_time (type=? AND time_ms>? AND time_ms<?)"),
                 qPrintable(steps));

        EventQuery byTimeNewestFirst;
        byTimeNewestFirst.sinceMs = START + 990'000;
        byTimeNewestFirst.untilMs = START + 995'000;
        byTimeNewestFirst.order = EventQuery::Order::NewestFirst;
        steps = plan(byTimeNewestFirst);
        QVERIFY2(steps.contains(u"USING INDEX security_events_time (time_ms>? AND time_ms<?)"), qPrintable(steps));
    }

    // append() is all or nothing even when a row fails in the middle of a multi-row INSERT (SQLite's OR FAIL keeps
    // that statement's earlier rows; the transaction's rollback removes them).
    void aFailedAppendWritesNoRow()
    {
        QFETCH_GLOBAL(QString, backend);
        auto log = freshLog();
        if (backend == u"sqlite") {
            QVERIFY(exec(QStringLiteral("CREATE TRIGGER refuse BEFORE INSERT ON security_events WHEN "
                                        "NEW.source = '10.9.9.9' BEGIN SELECT RAISE(FAIL, 'refused'); END")));
        } else {
            QVERIFY(exec(QStringLiteral("CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN IF NEW.source = "
                                        "'10.9.9.9' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ "
                                        "LANGUAGE plpgsql")));
            QVERIFY(exec(QStringLiteral("CREATE TRIGGER refuse BEFORE INSERT ON security_events FOR EACH ROW "
                                        "EXECUTE FUNCTION refuse()")));
        }
        // The refused row in the middle of the first 64-row statement, then of the second.
        for (int at : {10, 100}) {
            QList<SecurityEvent> events = series(150);
            events[at].sourceAddress = QStringLiteral("10.9.9.9");
            auto appended = log->append(events);
            QVERIFY(!appended.has_value());
            const QString detail = appended.error().detail();
            QVERIFY2(detail.startsWith(u"Writing security events to the log failed: ") && detail.contains(u"refused"),
                     qPrintable(detail));
            QCOMPARE(*log->count(), 0);
        }
        QVERIFY(log->append(series(150)).has_value());
        QCOMPARE(*log->count(), 150);
    }

    void followsAndPagesByIdWithinLimits()
    {
        auto log = freshLog();
        QVERIFY(log->append(series(50)).has_value());
        EventQuery first;
        first.limit = 20;
        auto page = log->query(first);
        QCOMPARE(page->size(), 20);
        EventQuery next = first;
        next.afterId = page->back().id;
        auto second = log->query(next);
        QCOMPARE(second->size(), 20);
        QCOMPARE(second->front().id, page->back().id + 1);

        EventQuery newest;
        newest.order = EventQuery::Order::NewestFirst;
        newest.limit = 5;
        auto tail = log->query(newest);
        QCOMPARE(tail->size(), 5);
        QVERIFY(tail->at(0).id > tail->at(4).id);
        QCOMPARE(tail->at(0).event.timeMs, START + 49'000);
        EventQuery older = newest;
        older.beforeId = tail->back().id;
        QCOMPARE(log->query(older)->front().id, tail->back().id - 1);

        // Following: what comes after the last id seen, and nothing when nothing came.
        EventQuery follow;
        follow.afterId = second->back().id + 10;
        QCOMPARE(log->query(follow)->size(), 0);
        QVERIFY(log->append(series(3, START + 100'000)).has_value());
        auto fresh = log->query(follow);
        QCOMPARE(fresh->size(), 3);
        QCOMPARE(fresh->front().event.timeMs, START + 100'000);

        for (qsizetype bad : {qsizetype(0), qsizetype(-1), EventQuery::MAX_LIMIT + 1}) {
            EventQuery wrong;
            wrong.limit = bad;
            auto refused = log->query(wrong);
            QVERIFY(!refused.has_value());
            QVERIFY(refused.error().is(EventLogError::InvalidQuery));
        }
        EventQuery backwards;
        backwards.sinceMs = START + 10;
        backwards.untilMs = START;
        QVERIFY(log->query(backwards).error().is(EventLogError::InvalidQuery));
        EventQuery most;
        most.limit = EventQuery::MAX_LIMIT;
        QCOMPARE(log->query(most)->size(), 53);
    }

    void purgesByAgeAndByRowCountInChunks()
    {
        auto log = freshLog();
        // 25 000 events, a minute apart: more than two purge chunks.
        QList<SecurityEvent> events;
        for (int i = 0; i < 25'000; ++i)
            events.append(makeEvent(START + i * 60'000LL, EventType::FailedAuth, QStringLiteral("10.1.1.1")));
        QVERIFY(log->append(events).has_value());
        m_clock.setUnixMillis(START + 25'000 * 60'000LL);

        RetentionPolicy byAge;
        byAge.maxRows = 0;
        byAge.maxAge = std::chrono::minutes(4'000); // keeps the last 4000 minutes: 4000 events
        auto purged = log->purge(byAge);
        QVERIFY2(purged.has_value(), test::why(purged).constData());
        QCOMPARE(*purged, 21'000);
        QCOMPARE(*log->count(), 4'000);
        EventQuery oldest;
        oldest.limit = 1;
        QCOMPARE(log->query(oldest)->front().event.timeMs, START + 21'000 * 60'000LL);

        RetentionPolicy byRows;
        byRows.maxAge = 0ms;
        byRows.maxRows = 1'500;
        QCOMPARE(*log->purge(byRows), 2'500);
        QCOMPARE(*log->count(), 1'500);
        QCOMPARE(log->query(oldest)->front().event.timeMs, START + 23'500 * 60'000LL);
        QCOMPARE(*log->purge(byRows), 0);

        // Ids are never given again, even after everything was purged: a follower's afterId stays valid.
        EventQuery newest;
        newest.order = EventQuery::Order::NewestFirst;
        newest.limit = 1;
        const qint64 lastId = log->query(newest)->front().id;
        RetentionPolicy everything;
        everything.maxAge = 1ms;
        m_clock.advance(std::chrono::hours(24 * 365));
        QCOMPARE(*log->purge(everything), 1'500);
        QVERIFY(log->append(series(1)).has_value());
        QVERIFY(log->query(newest)->front().id > lastId);

        RetentionPolicy negative;
        negative.maxRows = -1;
        QVERIFY(log->purge(negative).error().is(EventLogError::InvalidQuery));
    }

    // SQLite copies its write-ahead log into the database file at a checkpoint, which with OnCommit the appending
    // connection runs itself once the log passes 1000 pages; with ByCaller it leaves that to checkpoint(). The file's
    // size shows which happened: only a checkpoint writes to it.
    void appendsCanLeaveCheckpointsToTheCaller()
    {
        QFETCH_GLOBAL(QString, backend);
        const QList<SecurityEvent> events = series(40'000); // about 1,800 pages with the indexes
        const auto databaseBytes
            = [this] { return QFileInfo(m_stores.directory() + QStringLiteral("/portcullis.db")).size(); };
        auto log = freshLog();
        if (backend != u"sqlite") {
            QVERIFY(log->append(events, EventLog::Checkpoints::ByCaller).has_value());
            QVERIFY(log->checkpoint().has_value()); // nothing to do
            QCOMPARE(*log->count(), 40'000);
            return;
        }
        const qint64 empty = databaseBytes();
        QVERIFY(log->append(events, EventLog::Checkpoints::ByCaller).has_value());
        QCOMPARE(databaseBytes(), empty);
        QVERIFY(log->checkpoint().has_value());
        QVERIFY2(databaseBytes() > empty + 4'000'000, QByteArray::number(databaseBytes()).constData());

        log = freshLog();
        QVERIFY(log->append(events).has_value());
        QVERIFY2(databaseBytes() > empty + 4'000'000, QByteArray::number(databaseBytes()).constData());
    }

    void theWriterLogsWhatTheBusCarriesAndAppliesRetentionAtStart()
    {
        auto log = freshLog();
        QVERIFY(log->append(series(10, START - std::chrono::milliseconds(std::chrono::days(100)).count())).has_value());
        EventBus bus(m_clock);
        EventLogWriter writer(bus, *log);
        QTRY_COMPARE(writer.stats().purges, quint64(1));
        QCOMPARE(writer.stats().purged, quint64(10));
        for (const SecurityEvent &e : series(500))
            QVERIFY(bus.publish(e));
        QVERIFY(bus.flush(10s));
        QCOMPARE(writer.stats().written, quint64(500));
        QCOMPARE(*log->count(), 500);
        EventQuery all;
        all.limit = 1000;
        auto logged = log->query(all);
        QCOMPARE(logged->front().event, normalized(series(1).front()));
        QCOMPARE(logged->back().event.timeMs, START + 499'000);
        QTRY_VERIFY(writer.stats().checkpoints >= 1); // on a thread of its own, after the batch
    }

    void theWriterReportsAnOutageAndTheRecovery()
    {
        auto log = freshLog();
        std::mutex mutex;
        QList<SecurityEvent> notices;
        EventBus bus(m_clock);
        SubscriberOptions direct;
        direct.onDispatcher = true;
        bus.subscribe(
            QStringLiteral("notices"),
            [&](const EventBatch &batch) {
                const std::lock_guard lock(mutex);
                for (const SecurityEvent &e : batch)
                    if (e.type == EventType::StoreDegraded || e.type == EventType::StoreRecovered)
                        notices.append(e);
            },
            direct);
        EventLogWriter::Options options;
        options.firstBackoff = 1ms;
        options.subscription.minInterval = 0ms;
        EventLogWriter writer(bus, *log, options);
        QTRY_COMPARE(writer.stats().purges, quint64(1));

        QVERIFY(exec(QStringLiteral("ALTER TABLE security_events RENAME TO security_events_away")));
        QVERIFY(bus.publish(series(1).front()));
        QTRY_VERIFY(writer.stats().degraded);
        QVERIFY(bus.flush(10s));
        auto stats = writer.stats();
        QCOMPARE(stats.failedAttempts, quint64(3 * 2)); // the event, then the StoreDegraded event itself
        QCOMPARE(stats.lost, quint64(2));
        {
            const std::lock_guard lock(mutex);
            QCOMPARE(notices.size(), 1);
            QCOMPARE(notices[0].type, EventType::StoreDegraded);
            QCOMPARE(notices[0].reason, QStringLiteral("event_log_write_failed"));
            QCOMPARE(notices[0].severity, Severity::Critical);
        }

        QVERIFY(exec(QStringLiteral("ALTER TABLE security_events_away RENAME TO security_events")));
        QVERIFY(bus.publish(series(2).back()));
        QTRY_VERIFY(!writer.stats().degraded);
        QVERIFY(bus.flush(10s));
        {
            const std::lock_guard lock(mutex);
            QCOMPARE(notices.size(), 2);
            QCOMPARE(notices[1].type, EventType::StoreRecovered);
            QVERIFY2(notices[1].detail.contains(u"2 events"), qPrintable(notices[1].detail));
        }
        QTRY_COMPARE(writer.stats().written, quint64(2)); // the event and the StoreRecovered event
        QCOMPARE(log->query({})->front().event.type, EventType::FailedAuth);
    }

    void exportsJsonLinesThatReadBack()
    {
        auto log = freshLog();
        QList<SecurityEvent> events = series(30);
        SecurityEvent tricky = makeEvent(START, EventType::SuspiciousRequest, QStringLiteral("::1"));
        tricky.detail = QStringLiteral("path \"../../etc/passwd\", then\nmore, =cmd|' /C calc'!A0");
        tricky.user = QString::fromUtf16(u"\u202Eevil");
        events.append(normalized(tricky));
        QVERIFY(log->append(events).has_value());
        QBuffer out;
        QVERIFY(out.open(QIODevice::WriteOnly));
        auto written = exportEvents(*log, {}, out, {ExportFormat::JsonLines, 7, {}});
        QVERIFY2(written.has_value(), test::why(written).constData());
        QCOMPARE(*written, 31);
        const QList<QByteArray> lines = out.data().split('\n');
        QCOMPARE(lines.size(), 32);
        QVERIFY(lines.back().isEmpty());
        for (int i = 0; i < 31; ++i) {
            QJsonParseError error {};
            const QJsonDocument document = QJsonDocument::fromJson(lines[i], &error);
            QCOMPARE(error.error, QJsonParseError::NoError);
            const auto back = fromJson(document.object());
            QVERIFY(back.has_value());
            QCOMPARE(*back, normalized(events[i]));
        }
    }

    void csvQuotesAndDefusesFormulas()
    {
        QCOMPARE(csvHeader(),
                 QByteArray("time,type,severity,source,key_id,client_id,user,reason,route,detail,instance\r\n"));
        SecurityEvent e;
        e.timeMs = START;
        e.type = EventType::FailedAuth;
        e.severity = Severity::Notice;
        e.sourceAddress = QStringLiteral("=HYPERLINK(\"http://x\")");
        e.keyId = QStringLiteral("+1");
        e.clientId = QStringLiteral("-2");
        e.user = QStringLiteral("@SUM(A1)");
        e.reason = QStringLiteral("\tTAB");
        e.route = QStringLiteral("GET /a,b");
        e.detail = QStringLiteral("line one\r\nline \"two\"");
        e.instanceId = QStringLiteral("\rcr");
        QCOMPARE(csvRow(e),
                 QByteArray("2026-01-01T00:00:00.000Z,failed_auth,notice,"
                            "\"'=HYPERLINK(\"\"http://x\"\")\",'+1,'-2,'@SUM(A1),'\tTAB,\"GET /a,b\","
                            "\"line one\r\nline \"\"two\"\"\",\"'\rcr\"\r\n"));
        // Through normalize, as the log holds it: line breaks are escapes already, so one physical line per event.
        const QByteArray stored = csvRow(normalized(e));
        QCOMPARE(stored.count("\r\n"), 1);
        QVERIFY(stored.contains("\"line one\\r\\nline \"\"two\"\"\""));
        QVERIFY(stored.contains(",\\tTAB,")); // an escaped tab is text, not a formula
        SecurityEvent plain = makeEvent(START, EventType::Lockout, QStringLiteral("10.0.0.1"));
        QCOMPARE(csvRow(plain),
                 QByteArray("2026-01-01T00:00:00.000Z,lockout,warning,10.0.0.1,,,,unknown_key,"
                            "GET /v1/items,The key is not known.,gw-1\r\n"));
    }

    void exportStreamsPageByPage()
    {
        auto log = freshLog();
        QVERIFY(log->append(series(5'000)).has_value());
        QBuffer out;
        QVERIFY(out.open(QIODevice::WriteOnly));
        std::vector<qint64> pages;
        bool streamed = true;
        ExportOptions options {ExportFormat::Csv, 250, {}};
        // After each page the device already holds exactly the header and the rows so far: each page is written as
        // it is read and then let go, never gathered for the end.
        options.onPage = [&](qint64 written) {
            pages.push_back(written);
            streamed = streamed && out.data().count("\r\n") == written + 1;
        };
        EventQuery recent;
        recent.sinceMs = START + 1000;
        auto written = exportEvents(*log, recent, out, options);
        QVERIFY2(written.has_value(), test::why(written).constData());
        QCOMPARE(*written, 4'999);
        QCOMPARE(pages.size(), std::size_t(20));
        QCOMPARE(pages.front(), 250);
        QCOMPARE(pages.back(), 4'999);
        QVERIFY(streamed);
        QVERIFY(out.data().startsWith(csvHeader()));

        QBuffer closed; // never opened: refuses every write
        QTest::ignoreMessage(QtWarningMsg, "QIODevice::write (QBuffer): device not open");
        auto refused = exportEvents(*log, {}, closed, options);
        QVERIFY(!refused.has_value());
        QVERIFY(refused.error().is(EventLogError::ExportFailed));
    }
};

QTEST_GUILESS_MAIN(TestEventLog)
#include "TestEventLog.moc"
