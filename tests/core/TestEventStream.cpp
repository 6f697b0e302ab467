#include <QTest>

#include <atomic>
#include <mutex>
#include <thread>

#include <QElapsedTimer>
#include <QTcpServer>

#include "RedisServer.h"
#include "ResultText.h"
#include "common/Clock.h"
#include "monitor/EventStream.h"
#include "monitor/EventStreamError.h"
#include "monitor/EventStreamPublisher.h"
#include "monitor/EventStreamReader.h"
#include "ratelimit/RedisConnection.h"
#include "ratelimit/RedisEndpoint.h"
#include "ratelimit/RedisError.h"

using namespace portcullis;
using namespace portcullis::monitor;
using namespace std::chrono_literals;
using eventstream::StreamEntry;
using ratelimit::RedisReply;

namespace {

constexpr int WAIT_MS = 15000;
const QByteArray KEY = "portcullis:events";

SecurityEvent makeEvent(const QString &instance, int n)
{
    SecurityEvent event;
    event.timeMs = 1767225600000 + n;
    event.type = n % 3 == 0 ? EventType::RateLimited : EventType::FailedAuth;
    event.severity = defaultSeverity(event.type);
    event.sourceAddress = QStringLiteral("192.0.2.%1").arg(n % 250);
    event.keyId = QStringLiteral("key-%1").arg(n % 7);
    event.reason = QStringLiteral("unknown_key");
    event.route = QStringLiteral("GET /v1/items");
    event.detail = QStringLiteral("n=%1").arg(n);
    event.instanceId = instance;
    return event;
}

QList<SecurityEvent> makeEvents(const QString &instance, int from, int count)
{
    QList<SecurityEvent> events;
    for (int n = from; n < from + count; ++n)
        events.append(makeEvent(instance, n));
    return events;
}

// What the handlers of a reader or a publisher saw, from their threads.
struct Collector
{
    mutable std::mutex mutex;
    QList<StreamEntry> entries;
    QList<std::pair<bool, QString>> health;

    EventStreamReader::BatchHandler batches()
    {
        return [this](const QList<StreamEntry> &batch) {
            const std::lock_guard lock(mutex);
            entries += batch;
        };
    }
    std::function<void(bool, const QString &)> healthReports()
    {
        return [this](bool healthy, const QString &reason) {
            const std::lock_guard lock(mutex);
            health.append({healthy, reason});
        };
    }
    qsizetype size() const
    {
        const std::lock_guard lock(mutex);
        return entries.size();
    }
    QList<StreamEntry> all() const
    {
        const std::lock_guard lock(mutex);
        return entries;
    }
    QList<bool> healthStates() const
    {
        const std::lock_guard lock(mutex);
        QList<bool> states;
        for (const auto &report : health)
            states.append(report.first);
        return states;
    }
    QString lastReason() const
    {
        const std::lock_guard lock(mutex);
        return health.isEmpty() ? QString() : health.back().second;
    }
};

bool hasUnsafeCharacter(const QString &text)
{
    for (const QChar c : text)
        if (c.unicode() < 0x20 || c.unicode() == 0x7f || c.unicode() == 0x202e || c.unicode() == 0x2028)
            return true;
    return false;
}

} // namespace

class TestEventStream : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<test::RedisServer> m_server;
    SystemClock m_clock;
    std::unique_ptr<ratelimit::RedisConnection> m_admin;

    EventStreamPublisher::Options publisherOptions(qsizetype maxPending = 1000) const
    {
        EventStreamPublisher::Options options;
        options.connection.connectTimeout = 300ms;
        options.connection.commandTimeout = 2000ms;
        options.backoffInitial = 20ms;
        options.backoffMax = 200ms;
        options.maxPending = maxPending;
        return options;
    }

    EventStreamReader::Options readerOptions(const QString &startId = QStringLiteral("0")) const
    {
        EventStreamReader::Options options;
        options.startId = startId;
        options.connection.connectTimeout = 300ms;
        options.connection.commandTimeout = 2000ms;
        options.backoffInitial = 20ms;
        options.backoffMax = 200ms;
        options.errorDelay = 50ms;
        return options;
    }

    std::unique_ptr<EventStreamPublisher> makePublisher(EventStreamPublisher::Options options,
                                                        Collector *health = nullptr)
    {
        auto created = EventStreamPublisher::create(m_server->url(), m_clock, std::move(options),
                                                    health ? health->healthReports() : nullptr);
        if (!created)
            qFatal("publisher: %s", qPrintable(created.error().toString()));
        return std::move(*created);
    }

    std::unique_ptr<EventStreamReader> makeReader(EventStreamReader::Options options, Collector &collector,
                                                  const QString &url = {})
    {
        auto created = EventStreamReader::create(url.isEmpty() ? m_server->url() : url, m_clock, std::move(options),
                                                 collector.batches(), collector.healthReports());
        if (!created)
            qFatal("reader: %s", qPrintable(created.error().toString()));
        return std::move(*created);
    }

    RedisReply admin(std::initializer_list<QByteArrayView> args)
    {
        auto reply = m_admin->command(std::span<const QByteArrayView>(args.begin(), args.size()));
        if (!reply)
            qFatal("admin command failed: %s", qPrintable(reply.error().toString()));
        return *reply;
    }

    qint64 streamLength(const QByteArray &key = KEY) { return admin({"XLEN", key}).integer; }

    // Every entry of the stream, as XRANGE gives it: {id, value of "e"}.
    QList<std::pair<QByteArray, QByteArray>> streamContents()
    {
        QList<std::pair<QByteArray, QByteArray>> out;
        const RedisReply range = admin({"XRANGE", KEY, "-", "+"});
        for (const RedisReply &entry : range.elements)
            out.append({entry.elements[0].text, entry.elements[1].elements[1].text});
        return out;
    }

    static void checkIncreasingIds(const QList<StreamEntry> &entries)
    {
        std::optional<eventstream::StreamId> previous;
        for (const StreamEntry &entry : entries) {
            const auto id = eventstream::parseStreamId(entry.id);
            QVERIFY2(id.has_value(), entry.id.constData());
            if (previous)
                QVERIFY2(*previous < *id, entry.id.constData());
            previous = id;
        }
    }

private Q_SLOTS:
    void initTestCase()
    {
        auto started = test::RedisServer::start();
        QVERIFY2(started.has_value(), test::why(started).constData());
        m_server = std::move(*started);
        auto endpoint = ratelimit::RedisEndpoint::parse(m_server->url());
        QVERIFY2(endpoint.has_value(), test::why(endpoint).constData());
        m_admin = std::make_unique<ratelimit::RedisConnection>(
            std::make_shared<const ratelimit::RedisEndpoint>(std::move(*endpoint)),
            ratelimit::RedisConnection::Options(), nullptr);
    }

    void init() { QVERIFY(m_server->isRunning()); }

    void cleanup()
    {
        if (m_server->isRunning())
            (void)admin({"FLUSHALL"});
    }

    void cleanupTestCase()
    {
        m_admin.reset();
        m_server.reset();
    }

    void keysIdsAndOptions()
    {
        QVERIFY(eventstream::checkedKey(u"portcullis:events").has_value());
        QVERIFY(eventstream::checkedKey(u"team-1.edge_events").has_value());
        for (const QString &bad : {QString(), QStringLiteral("with space"), QStringLiteral("new\nline"),
                                   QStringLiteral("événements"), QString(257, u'k')}) {
            const auto checked = eventstream::checkedKey(bad);
            QVERIFY(!checked.has_value());
            QVERIFY(checked.error().is(EventStreamError::InvalidKey));
            QVERIFY(!checked.error().detail().contains(u'\n'));
        }
        for (const char *good : {"$", "0", "1718000000000-0", "1718000000000", "0-0"})
            QVERIFY2(eventstream::checkedStartId(QString::fromLatin1(good)).has_value(), good);
        for (const char *bad : {"", "-", "+", "1-", "-1", "a-1", "1-2-3", "123456789012345678901-0", ">"}) {
            const auto checked = eventstream::checkedStartId(QString::fromLatin1(bad));
            QVERIFY2(!checked.has_value(), bad);
            QVERIFY(checked.error().is(EventStreamError::InvalidStartId));
        }
        QVERIFY(eventstream::parseStreamId("5-1") < eventstream::parseStreamId("5-2"));
        QVERIFY(eventstream::parseStreamId("5-9") < eventstream::parseStreamId("6-0"));

        const auto publisherRefuses = [this](const std::function<void(EventStreamPublisher::Options &)> &change,
                                             const QString &url = {}) {
            EventStreamPublisher::Options options = publisherOptions();
            change(options);
            return !EventStreamPublisher::create(url.isEmpty() ? m_server->url() : url, m_clock, options).has_value();
        };
        QVERIFY(publisherRefuses([](auto &o) { o.maxLength = 0; }));
        QVERIFY(publisherRefuses([](auto &o) { o.maxPending = -1; }));
        QVERIFY(publisherRefuses([](auto &o) { o.key = QStringLiteral("a b"); }));
        QVERIFY(publisherRefuses([](auto &) {}, QStringLiteral("http://127.0.0.1:1")));
        const auto readerRefuses = [this](const std::function<void(EventStreamReader::Options &)> &change) {
            EventStreamReader::Options options = readerOptions();
            change(options);
            return !EventStreamReader::create(m_server->url(), m_clock, options, [](const auto &) {}).has_value();
        };
        QVERIFY(readerRefuses([](auto &o) { o.count = 0; }));
        QVERIFY(readerRefuses([](auto &o) { o.count = EventStreamReader::MAX_COUNT + 1; }));
        QVERIFY(readerRefuses([](auto &o) { o.block = 1ms; }));
        QVERIFY(readerRefuses([](auto &o) { o.block = 60s; }));
        QVERIFY(readerRefuses([](auto &o) { o.startId = QStringLiteral("latest"); }));
        QVERIFY(!EventStreamReader::create(m_server->url(), m_clock, readerOptions(), nullptr).has_value());
    }

    void oneReaderSeesTwoInstancesInOrder()
    {
        auto edgeA = makePublisher(publisherOptions());
        auto edgeB = makePublisher(publisherOptions());
        Collector all;
        Collector onlyB;
        auto reader = makeReader(readerOptions(QStringLiteral("$")), all);
        auto options = readerOptions(QStringLiteral("$"));
        options.instance = QStringLiteral("edge-b");
        options.count = 7; // several reads per batch
        auto readerB = makeReader(options, onlyB);
        reader->start();
        readerB->start();
        QTRY_VERIFY_WITH_TIMEOUT(reader->lastId() != "$" && readerB->lastId() != "$", WAIT_MS);

        QList<SecurityEvent> expected;
        for (int round = 0; round < 20; ++round) {
            const auto a = makeEvents(QStringLiteral("edge-a"), round * 100, 1 + round % 4);
            const auto b = makeEvents(QStringLiteral("edge-b"), round * 100 + 50, 1 + round % 3);
            edgeA->publish(a);
            edgeB->publish(b);
            expected += a;
            expected += b;
        }
        QTRY_COMPARE_WITH_TIMEOUT(all.size(), expected.size(), WAIT_MS);
        const QList<StreamEntry> received = all.all();
        checkIncreasingIds(received);
        for (qsizetype i = 0; i < expected.size(); ++i)
            QCOMPARE(received[i].event, normalized(expected[i]));
        QCOMPARE(reader->lastId(), received.back().id);

        qsizetype fromB = 0;
        for (const SecurityEvent &event : expected)
            fromB += event.instanceId == u"edge-b";
        QTRY_COMPARE_WITH_TIMEOUT(onlyB.size(), fromB, WAIT_MS);
        QTRY_COMPARE_WITH_TIMEOUT(readerB->lastId(), received.back().id, WAIT_MS);
        for (const StreamEntry &entry : onlyB.all())
            QCOMPARE(entry.event.instanceId, QStringLiteral("edge-b"));
        QCOMPARE(readerB->stats().filtered, expected.size() - fromB);
        QCOMPARE(reader->stats().delivered, expected.size());
        QCOMPARE(reader->stats().skipped, 0);
        QCOMPARE(edgeA->stats().published + edgeB->stats().published, expected.size());
        QCOMPARE(edgeA->stats().dropped, 0);
        QCOMPARE(all.healthStates(), QList<bool> {true});
    }

    void startsWhereAsked()
    {
        auto publisher = makePublisher(publisherOptions());
        publisher->publish(makeEvents(QStringLiteral("i"), 0, 5));
        const auto stored = streamContents();
        QCOMPARE(stored.size(), 5);

        Collector fromStart, fromNow, fromSaved;
        auto readerAll = makeReader(readerOptions(QStringLiteral("0")), fromStart);
        auto readerNew = makeReader(readerOptions(QStringLiteral("$")), fromNow);
        auto readerSaved = makeReader(readerOptions(QString::fromLatin1(stored[2].first)), fromSaved);
        readerAll->start();
        readerNew->start();
        readerSaved->start();
        QTRY_VERIFY_WITH_TIMEOUT(readerNew->lastId() != "$", WAIT_MS);
        QCOMPARE(readerNew->lastId(), stored.back().first);
        publisher->publish(makeEvents(QStringLiteral("i"), 5, 1));

        QTRY_COMPARE_WITH_TIMEOUT(fromStart.size(), 6, WAIT_MS);
        QTRY_COMPARE_WITH_TIMEOUT(fromSaved.size(), 3, WAIT_MS);
        QTRY_COMPARE_WITH_TIMEOUT(fromNow.size(), 1, WAIT_MS);
        QCOMPARE(fromNow.all().front().event.detail, QStringLiteral("n=5"));
        QCOMPARE(fromSaved.all().front().event.detail, QStringLiteral("n=3"));
        QCOMPARE(fromStart.all().front().id, stored.front().first);
    }

    void readerStartingAtDollarOnAMissingStreamMissesNothing()
    {
        Collector collector;
        auto reader = makeReader(readerOptions(QStringLiteral("$")), collector);
        reader->start();
        QTRY_COMPARE_WITH_TIMEOUT(reader->lastId(), QByteArray("0-0"), WAIT_MS);
        auto publisher = makePublisher(publisherOptions());
        publisher->publish(makeEvents(QStringLiteral("i"), 0, 3));
        QTRY_COMPARE_WITH_TIMEOUT(collector.size(), 3, WAIT_MS);
    }

    void capsTheStream()
    {
        auto options = publisherOptions();
        options.maxLength = 10;
        options.exactTrim = true;
        auto exact = makePublisher(options);
        for (int i = 0; i < 5; ++i)
            exact->publish(makeEvents(QStringLiteral("i"), i * 10, 10));
        QCOMPARE(streamLength(), 10);
        const auto kept = streamContents();
        QCOMPARE(eventstream::decodeEvent(kept.front().second)->detail, QStringLiteral("n=40"));
        QCOMPARE(eventstream::decodeEvent(kept.back().second)->detail, QStringLiteral("n=49"));
        (void)admin({"DEL", KEY});

        // MAXLEN ~ trims whole nodes (stream-node-max-entries, 100 by default): never below the cap, at most a
        // node above it.
        options.maxLength = 200;
        options.exactTrim = false;
        auto approximate = makePublisher(options);
        for (int i = 0; i < 20; ++i)
            approximate->publish(makeEvents(QStringLiteral("i"), i * 100, 100));
        const qint64 length = streamLength();
        QVERIFY2(length >= 200 && length <= 300, QByteArray::number(length).constData());
        QCOMPARE(approximate->stats().published, 2000);
    }

    void splitsLargeBatches()
    {
        auto publisher = makePublisher(publisherOptions());
        const int count = int(EventStreamPublisher::MAX_BATCH) * 2 + 17;
        publisher->publish(makeEvents(QStringLiteral("i"), 0, count));
        QCOMPARE(streamLength(), count);
        QCOMPARE(publisher->stats().published, count);
        const auto stored = streamContents();
        QCOMPARE(eventstream::decodeEvent(stored.back().second)->detail, QStringLiteral("n=%1").arg(count - 1));
    }

    // Every client connection is killed again and again while events are published; the reader ends up with exactly
    // what the stream holds, in order, each entry once.
    void resumesAfterConnectionsAreKilled()
    {
        Collector collector;
        auto options = readerOptions(QStringLiteral("0"));
        options.count = 16;
        auto reader = makeReader(options, collector);
        reader->start();
        auto publisher = makePublisher(publisherOptions());
        std::atomic<bool> done {false};
        constexpr int BATCHES = 300;
        std::thread producer([&] {
            for (int i = 0; i < BATCHES; ++i) {
                publisher->publish(makeEvents(QStringLiteral("i"), i * 4, 4));
                std::this_thread::sleep_for(1ms); // spread the publishing over the kills
            }
            done = true;
        });
        int kills = 0;
        while (!done) {
            std::this_thread::sleep_for(30ms);
            const RedisReply killed = admin({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"});
            if (killed.integer > 0)
                ++kills;
        }
        producer.join();
        QTRY_COMPARE_WITH_TIMEOUT((publisher->retryPending(), publisher->stats().pending), 0, WAIT_MS);
        QVERIFY(kills >= 3);

        const auto stored = streamContents();
        QTRY_COMPARE_WITH_TIMEOUT(collector.size(), stored.size(), WAIT_MS);
        const QList<StreamEntry> received = collector.all();
        for (qsizetype i = 0; i < stored.size(); ++i) {
            QCOMPARE(received[i].id, stored[i].first);
            QCOMPARE(received[i].event, *eventstream::decodeEvent(stored[i].second));
        }
        checkIncreasingIds(received);
        QVERIFY2(reader->stats().reconnects >= 1, QByteArray::number(reader->stats().reconnects).constData());
        // Every event reached the stream: at least once (a send cut off after Redis stored it is sent again).
        QSet<QString> details;
        for (const StreamEntry &entry : received)
            details.insert(entry.event.detail);
        QCOMPARE(details.size(), BATCHES * 4);
        QCOMPARE(publisher->stats().dropped, 0);
    }

    void skipsEntriesThatAreNotEvents()
    {
        auto publisher = makePublisher(publisherOptions());
        // Moc in Qt 6.4 loses its way in raw string literals: plain ones here.
        const QByteArray huge
            = "{\"time\":\"2026-01-01T00:00:00.000Z\",\"type\":\"failed_auth\",\"severity\":\"notice\","
              "\"detail\":\""
            + QByteArray(70'000, 'x') + "\"}";
        publisher->publish(makeEvents(QStringLiteral("i"), 0, 1));
        (void)admin({"XADD", KEY, "*", "other", "field"});
        (void)admin({"XADD", KEY, "*", "e", "not json"});
        (void)admin({"XADD", KEY, "*", "e", "[1,2]"});
        (void)admin({"XADD", KEY, "*", "e", "{\"type\":\"failed_auth\",\"severity\":\"notice\"}"});
        (void)admin({"XADD", KEY, "*", "e",
                     "{\"time\":\"2026-01-01T00:00:00.000Z\",\"type\":\"from_the_future\",\"severity\":\"notice\"}"});
        (void)admin({"XADD", KEY, "*", "e", huge});
        (void)admin({"XADD", KEY, "*", "e", eventstream::encodeEvent(makeEvent(QStringLiteral("i"), 1)), "e",
                     eventstream::encodeEvent(makeEvent(QStringLiteral("i"), 2))});
        publisher->publish(makeEvents(QStringLiteral("i"), 3, 1));
        // A valid event with an extra field is still an event.
        (void)admin({"XADD", KEY, "*", "e", eventstream::encodeEvent(makeEvent(QStringLiteral("i"), 4)), "x", "y"});

        Collector collector;
        auto reader = makeReader(readerOptions(QStringLiteral("0")), collector);
        reader->start();
        QTRY_COMPARE_WITH_TIMEOUT(reader->stats().skipped, 7, WAIT_MS);
        QTRY_COMPARE_WITH_TIMEOUT(collector.size(), 3, WAIT_MS);
        const auto received = collector.all();
        QCOMPARE(received[0].event.detail, QStringLiteral("n=0"));
        QCOMPARE(received[1].event.detail, QStringLiteral("n=3"));
        QCOMPARE(received[2].event.detail, QStringLiteral("n=4"));
        QCOMPARE(reader->lastId(), streamContents().back().first);
    }

    void reportsAKeyThatIsNotAStream()
    {
        (void)admin({"SET", KEY, "a string"});
        Collector readerHealth, publisherHealth;
        auto reader = makeReader(readerOptions(QStringLiteral("$")), readerHealth);
        reader->start();
        QTRY_VERIFY_WITH_TIMEOUT(reader->stats().errors >= 2, WAIT_MS);
        QCOMPARE(readerHealth.healthStates(), QList<bool> {false});
        QVERIFY2(readerHealth.lastReason().contains(u"WRONGTYPE"), qPrintable(readerHealth.lastReason()));

        auto publisher = makePublisher(publisherOptions(), &publisherHealth);
        publisher->publish(makeEvents(QStringLiteral("i"), 0, 3));
        QCOMPARE(publisher->stats().dropped, 3);
        QCOMPARE(publisher->stats().pending, 0);
        QCOMPARE(publisherHealth.healthStates(), QList<bool> {false});
        QVERIFY2(publisherHealth.lastReason().contains(u"WRONGTYPE"), qPrintable(publisherHealth.lastReason()));

        (void)admin({"DEL", KEY});
        publisher->publish(makeEvents(QStringLiteral("i"), 3, 1));
        QCOMPARE(publisherHealth.healthStates(), (QList<bool> {false, true}));
        QTRY_COMPARE_WITH_TIMEOUT(readerHealth.healthStates(), (QList<bool> {false, true}), WAIT_MS);
        publisher->publish(makeEvents(QStringLiteral("i"), 4, 1));
        QTRY_COMPARE_WITH_TIMEOUT(readerHealth.size(), 1, WAIT_MS);
        QCOMPARE(readerHealth.all().front().event.detail, QStringLiteral("n=4"));
    }

    // The handler publishes the health event straight back through the publisher (what a bus subscriber would see):
    // one report each way, no recursion, and the recovery event reaches the stream.
    void healthReportsDoNotLoop()
    {
        (void)admin({"SET", KEY, "a string"});
        std::atomic<int> reports {0};
        EventStreamPublisher *self = nullptr;
        auto created = EventStreamPublisher::create(
            m_server->url(), m_clock, publisherOptions(), [&](bool healthy, const QString &reason) {
                ++reports;
                SecurityEvent event = makeEvent(QStringLiteral("i"), 100 + reports.load());
                event.type = healthy ? EventType::StoreRecovered : EventType::StoreDegraded;
                event.detail = reason;
                self->publish({event});
            });
        QVERIFY2(created.has_value(), test::why(created).constData());
        auto publisher = std::move(*created);
        self = publisher.get();

        publisher->publish(makeEvents(QStringLiteral("i"), 0, 1));
        QCOMPARE(reports.load(), 1);
        QCOMPARE(publisher->stats().dropped, 2); // the event, then the StoreDegraded event
        (void)admin({"DEL", KEY});
        publisher->publish(makeEvents(QStringLiteral("i"), 1, 1));
        QCOMPARE(reports.load(), 2);
        const auto stored = streamContents();
        QCOMPARE(stored.size(), 2);
        QCOMPARE(eventstream::decodeEvent(stored[0].second)->detail, QStringLiteral("n=1"));
        QCOMPARE(eventstream::decodeEvent(stored[1].second)->type, EventType::StoreRecovered);
    }

    void hostileTextStaysEscaped()
    {
        SecurityEvent hostile = makeEvent(QStringLiteral("edge\u202e-a"), 1);
        hostile.user = QStringLiteral("admin\r\nINFO fake log line");
        hostile.detail = QStringLiteral("\x1b[2J\x1b[31mred\x07 and a bidi \u202e override\u2028and more");
        hostile.route = QStringLiteral("GET /cb?code=abc123secretcode&access_token=eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl");
        hostile.sourceAddress = QStringLiteral("10.0.0.1\t<script>");
        auto publisher = makePublisher(publisherOptions());
        publisher->publish({hostile});

        const QByteArray raw = streamContents().front().second;
        QVERIFY(!raw.contains('\x1b'));
        QVERIFY(!raw.contains("\xe2\x80\xae")); // U+202E
        QVERIFY(!raw.contains("abc123secretcode"));

        Collector collector;
        auto reader = makeReader(readerOptions(QStringLiteral("0")), collector);
        reader->start();
        QTRY_COMPARE_WITH_TIMEOUT(collector.size(), 1, WAIT_MS);
        const SecurityEvent received = collector.all().front().event;
        QCOMPARE(received, normalized(hostile));
        QCOMPARE(normalized(received), received);
        for (const QString *field :
             {&received.user, &received.detail, &received.route, &received.sourceAddress, &received.instanceId})
            QVERIFY2(!hasUnsafeCharacter(*field), qPrintable(*field));
        QVERIFY(!received.route.contains(u"abc123secretcode"));
        QVERIFY(!received.route.contains(u"eyJzdWIi"));
        QVERIFY(received.detail.contains(u"\\x1b[2J"));
        QVERIFY(received.user.contains(u"\\r\\n"));
    }

    void stopIsPrompt()
    {
        Collector collector;
        auto reader = makeReader(EventStreamReader::Options(), collector); // the default block time
        reader->start();
        QTRY_VERIFY_WITH_TIMEOUT(reader->stats().healthy, WAIT_MS);
        QTest::qWait(100); // well inside a blocking read
        QElapsedTimer timer;
        timer.start();
        reader->stop();
        QVERIFY2(timer.elapsed() < 1000, QByteArray::number(timer.elapsed()).constData());

        // Nothing listens there: the reader waits between attempts, and stop() cuts the wait short.
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        const QString closedUrl = u"redis://127.0.0.1:" + QString::number(probe.serverPort());
        probe.close();
        auto options = readerOptions();
        options.backoffInitial = 5s;
        options.backoffMax = 5s;
        Collector unreachable;
        auto deadReader = makeReader(options, unreachable, closedUrl);
        deadReader->start();
        QTRY_VERIFY_WITH_TIMEOUT(deadReader->stats().errors >= 1, WAIT_MS);
        QCOMPARE(unreachable.healthStates(), QList<bool> {false});
        timer.restart();
        deadReader->stop();
        QVERIFY2(timer.elapsed() < 1000, QByteArray::number(timer.elapsed()).constData());
    }

    void stopFromTheHandler()
    {
        auto publisher = makePublisher(publisherOptions());
        std::atomic<int> batches {0};
        EventStreamReader *self = nullptr;
        auto created = EventStreamReader::create(m_server->url(), m_clock, readerOptions(QStringLiteral("0")),
                                                 [&](const QList<StreamEntry> &) {
                                                     ++batches;
                                                     self->stop();
                                                 });
        QVERIFY2(created.has_value(), test::why(created).constData());
        auto reader = std::move(*created);
        self = reader.get();
        auto readerOptionsOne = readerOptions();
        publisher->publish(makeEvents(QStringLiteral("i"), 0, 1));
        reader->start();
        QTRY_COMPARE_WITH_TIMEOUT(batches.load(), 1, WAIT_MS);
        publisher->publish(makeEvents(QStringLiteral("i"), 1, 1));
        QTest::qWait(300);
        QCOMPARE(batches.load(), 1);
        reader.reset(); // joins the ended thread
    }

    // Runs last among the Redis tests: the server is killed and started again (empty, no persistence).
    void survivesAServerRestart()
    {
        Collector readerSeen, publisherHealth;
        auto reader = makeReader(readerOptions(QStringLiteral("0")), readerSeen);
        reader->start();
        auto publisher = makePublisher(publisherOptions(3), &publisherHealth);
        publisher->publish(makeEvents(QStringLiteral("i"), 0, 2));
        QTRY_COMPARE_WITH_TIMEOUT(readerSeen.size(), 2, WAIT_MS);
        const QByteArray before = reader->lastId();

        m_server->kill();
        for (int i = 0; i < 5; ++i)
            publisher->publish(makeEvents(QStringLiteral("i"), 2 + i, 1));
        QCOMPARE(publisher->stats().published, 2);
        QCOMPARE(publisher->stats().pending, 3);
        QCOMPARE(publisher->stats().dropped, 2);
        QVERIFY(publisher->stats().failedSends >= 1);
        QVERIFY(!publisher->isHealthy());
        QCOMPARE(publisherHealth.healthStates(), QList<bool> {false});
        QVERIFY2(publisherHealth.lastReason().contains(QString::number(m_server->port())),
                 qPrintable(publisherHealth.lastReason()));
        QTRY_VERIFY_WITH_TIMEOUT(!reader->stats().healthy, WAIT_MS);
        QCOMPARE(reader->lastId(), before);

        auto restarted = m_server->restart();
        QVERIFY2(restarted.has_value(), test::why(restarted).constData());
        QTRY_VERIFY_WITH_TIMEOUT((publisher->retryPending(), publisher->isHealthy()), WAIT_MS);
        publisher->publish(makeEvents(QStringLiteral("i"), 7, 1));
        QCOMPARE(publisherHealth.healthStates(), (QList<bool> {false, true}));
        QCOMPARE(publisher->stats().published, 6);

        // The restarted server's ids are later than the reader's last one (they start from the current time).
        QTRY_COMPARE_WITH_TIMEOUT(readerSeen.size(), 6, WAIT_MS);
        const auto received = readerSeen.all();
        QStringList details;
        for (const StreamEntry &entry : received)
            details.append(entry.event.detail);
        QCOMPARE(details,
                 (QStringList {QStringLiteral("n=0"), QStringLiteral("n=1"), QStringLiteral("n=4"),
                               QStringLiteral("n=5"), QStringLiteral("n=6"), QStringLiteral("n=7")}));
        checkIncreasingIds(received);
        QCOMPARE(readerSeen.healthStates(), (QList<bool> {true, false, true}));
        QVERIFY(reader->stats().reconnects >= 1);
    }
};

QTEST_GUILESS_MAIN(TestEventStream)
#include "TestEventStream.moc"
