#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include "FakeClock.h"
#include "monitor/EventBus.h"
#include "monitor/EventFeed.h"

using namespace portcullis;
using namespace portcullis::monitor;
using namespace std::chrono_literals;

namespace {

// Holds a subscriber's deliveries while closed, and says when one is waiting: lets a test stop a consumer at a
// known point without sleeping.
class Gate
{
public:
    void close()
    {
        const std::lock_guard lock(m_mutex);
        m_open = false;
    }
    void open()
    {
        {
            const std::lock_guard lock(m_mutex);
            m_open = true;
        }
        m_changed.notify_all();
    }
    void pass()
    {
        std::unique_lock lock(m_mutex);
        ++m_waiting;
        m_changed.notify_all();
        m_changed.wait(lock, [this] { return m_open; });
        --m_waiting;
    }
    bool waitForWaiter(std::chrono::milliseconds timeout)
    {
        std::unique_lock lock(m_mutex);
        return m_changed.wait_for(lock, timeout, [this] { return m_waiting > 0; });
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_changed;
    bool m_open = true;
    int m_waiting = 0;
};

// Everything a subscriber received, batch by batch; safe to read from the test thread.
class Collector
{
public:
    std::function<void(const EventBatch &)> callback(Gate *gate = nullptr)
    {
        return [this, gate](const EventBatch &batch) {
            if (gate)
                gate->pass();
            const std::lock_guard lock(m_mutex);
            m_events.append(batch);
            m_batchSizes.push_back(batch.size());
        };
    }
    EventBatch events() const
    {
        const std::lock_guard lock(m_mutex);
        return m_events;
    }
    qsizetype count() const
    {
        const std::lock_guard lock(m_mutex);
        return m_events.size();
    }
    std::vector<qsizetype> batchSizes() const
    {
        const std::lock_guard lock(m_mutex);
        return m_batchSizes;
    }
    EventBatch ofType(EventType type) const
    {
        EventBatch found;
        for (const SecurityEvent &event : events())
            if (event.type == type)
                found.append(event);
        return found;
    }

private:
    mutable std::mutex m_mutex;
    EventBatch m_events;
    std::vector<qsizetype> m_batchSizes;
};

SecurityEvent failedAuth(int publisher, int sequence)
{
    SecurityEvent event;
    event.type = EventType::FailedAuth;
    event.sourceAddress = QStringLiteral("10.0.0.%1").arg(publisher);
    event.reason = QStringLiteral("unknown_key");
    event.route = QStringLiteral("GET /v1/items/%1").arg(sequence);
    return event;
}

int sequenceOf(const SecurityEvent &event)
{
    return event.route.section(u'/', -1).toInt();
}

EventBus::SubscriberStats statsFor(const EventBus &bus, SubscriptionId id)
{
    for (const auto &subscriber : bus.stats().subscribers)
        if (subscriber.id == id)
            return subscriber;
    return {};
}

} // namespace

class TestEventBus : public QObject
{
    Q_OBJECT

private:
    test::FakeClock m_clock;

private Q_SLOTS:
    void init() { m_clock.setUnixMillis(test::FakeClock::DEFAULT_START_MS); }

    void publishFillsTheBlanksAndNormalizes()
    {
        Collector got;
        EventBus bus(m_clock, {64, QStringLiteral("gw-1")});
        bus.subscribe(QStringLiteral("test"), got.callback());
        SecurityEvent event;
        event.type = EventType::RefreshReuse;
        event.user = QStringLiteral("alice\nadmin");
        event.detail = QStringLiteral("refresh_token=abcdefghijklmnop reused");
        QVERIFY(bus.publish(event));
        SecurityEvent stated = failedAuth(1, 1);
        stated.timeMs = 1234;
        stated.instanceId = QStringLiteral("gw-2");
        stated.severity = Severity::Critical;
        QVERIFY(bus.publish(stated));
        QVERIFY(bus.flush(5s));
        const EventBatch events = got.events();
        QCOMPARE(events.size(), 2);
        QCOMPARE(events[0].timeMs, test::FakeClock::DEFAULT_START_MS);
        QCOMPARE(events[0].instanceId, QStringLiteral("gw-1"));
        QCOMPARE(events[0].severity, Severity::Critical); // the type's default, since the producer left Info
        QCOMPARE(events[0].user, QStringLiteral("alice\\nadmin"));
        QVERIFY(!events[0].detail.contains(u"abcdefghijklmnop"));
        QCOMPARE(events[1], stated); // what the producer set stays
    }

    void deliversEveryEventOnceInEachPublishersOrder()
    {
        constexpr int PUBLISHERS = 8;
        constexpr int EACH = 4000;
        Collector onThread, onDispatcher;
        EventBus bus(m_clock, {PUBLISHERS * EACH, {}});
        SubscriberOptions small;
        small.maxBatch = 100;
        bus.subscribe(QStringLiteral("worker"), onThread.callback(), small);
        SubscriberOptions direct;
        direct.onDispatcher = true;
        bus.subscribe(QStringLiteral("direct"), onDispatcher.callback(), direct);

        std::atomic<int> refused {0};
        std::vector<std::thread> publishers;
        for (int p = 0; p < PUBLISHERS; ++p) {
            publishers.emplace_back([&bus, &refused, p] {
                for (int i = 0; i < EACH; ++i)
                    if (!bus.publish(failedAuth(p, i)))
                        ++refused;
            });
        }
        for (auto &publisher : publishers)
            publisher.join();
        QCOMPARE(refused.load(), 0);
        QVERIFY(bus.flush(10s));

        for (const Collector *collector : {&onThread, &onDispatcher}) {
            const EventBatch events = collector->events();
            QCOMPARE(events.size(), PUBLISHERS * EACH);
            std::vector<int> next(PUBLISHERS, 0);
            for (const SecurityEvent &event : events) {
                const int publisher = event.sourceAddress.section(u'.', -1).toInt();
                QCOMPARE(sequenceOf(event), next[std::size_t(publisher)]);
                ++next[std::size_t(publisher)];
            }
        }
        for (qsizetype size : onThread.batchSizes())
            QVERIFY(size <= 100);
        const auto stats = bus.stats();
        QCOMPARE(stats.published, quint64(PUBLISHERS * EACH));
        QCOMPARE(stats.dropped, quint64(0));
        QCOMPARE(stats.subscribers.size(), std::size_t(2));
        for (const auto &subscriber : stats.subscribers) {
            QCOMPARE(subscriber.delivered, quint64(PUBLISHERS * EACH));
            QCOMPARE(subscriber.dropped, quint64(0));
        }
    }

    void aSlowSubscriberGetsLargerBatchesAndDelaysNoOne()
    {
        Gate gate;
        Collector slow, fast;
        EventBus bus(m_clock);
        bus.subscribe(QStringLiteral("slow"), slow.callback(&gate));
        bus.subscribe(QStringLiteral("fast"), fast.callback());

        gate.close();
        QVERIFY(bus.publish(failedAuth(1, 0)));
        QVERIFY(gate.waitForWaiter(5s)); // the slow subscriber is now stuck in its first delivery
        QElapsedTimer publishing;
        publishing.start();
        for (int i = 1; i < 2000; ++i) {
            QVERIFY(bus.publish(failedAuth(1, i)));
            if (i % 100 == 0)
                QTest::qWait(1); // arrive over time, as events do, so the dispatcher hands them on in many batches
        }
        QVERIFY(publishing.elapsed() < 5000);
        QTRY_COMPARE(fast.count(), 2000);
        QCOMPARE(slow.count(), 0);
        QVERIFY(fast.batchSizes().size() > 2);

        gate.open();
        QVERIFY(bus.flush(5s));
        QCOMPARE(slow.count(), 2000);
        const auto sizes = slow.batchSizes();
        // One event first, then what gathered meanwhile in batches of at most maxBatch (1000).
        QCOMPARE(sizes.front(), 1);
        QVERIFY2(sizes.size() <= 4, QByteArray::number(qulonglong(sizes.size())).constData());
        QCOMPARE(*std::max_element(sizes.begin(), sizes.end()), 1000);
        QCOMPARE(statsFor(bus, 1).largestBatch, 1000);
    }

    void aFullRingRefusesAtOnceAndReportsTheDropsOnce()
    {
        // Declared before the bus, which delivers what is left (and its last drop report) when it goes.
        Gate gate;
        Collector got;
        EventBus bus(m_clock, {8, QStringLiteral("gw-1")});
        QCOMPARE(bus.capacity(), std::size_t(8));
        SubscriberOptions direct;
        direct.onDispatcher = true; // blocking it blocks the dispatcher, so the ring fills
        bus.subscribe(QStringLiteral("blocker"), got.callback(&gate), direct);

        gate.close();
        QVERIFY(bus.publish(failedAuth(1, 0)));
        QVERIFY(gate.waitForWaiter(5s));
        for (int i = 1; i <= 8; ++i)
            QVERIFY(bus.publish(failedAuth(1, i)));
        QElapsedTimer refusing;
        refusing.start();
        for (int i = 9; i < 21; ++i)
            QVERIFY(!bus.publish(failedAuth(1, i)));
        QVERIFY(refusing.elapsed() < 1000);
        QCOMPARE(bus.stats().dropped, quint64(12));

        gate.open();
        QVERIFY(bus.flush(5s));
        EventBatch reports = got.ofType(EventType::EventsDropped);
        QCOMPARE(reports.size(), 1);
        QCOMPARE(reports[0].reason, QStringLiteral("queue_full"));
        QVERIFY2(reports[0].detail.startsWith(u"12 events"), qPrintable(reports[0].detail));
        QCOMPARE(reports[0].instanceId, QStringLiteral("gw-1"));
        QCOMPARE(reports[0].severity, Severity::Warning);
        QCOMPARE(got.count(), 9 + 1);

        // More drops within the same second (the bus's clock has not moved): counted, not reported yet.
        gate.close();
        QVERIFY(bus.publish(failedAuth(2, 0)));
        QVERIFY(gate.waitForWaiter(5s));
        for (int i = 1; i <= 8; ++i)
            QVERIFY(bus.publish(failedAuth(2, i)));
        QVERIFY(!bus.publish(failedAuth(2, 9)));
        QVERIFY(!bus.publish(failedAuth(2, 10)));
        gate.open();
        QVERIFY(bus.flush(5s));
        QCOMPARE(got.ofType(EventType::EventsDropped).size(), 1);
        QCOMPARE(bus.stats().dropped, quint64(14));

        m_clock.advance(1s);
        QTRY_COMPARE(got.ofType(EventType::EventsDropped).size(), 2);
        reports = got.ofType(EventType::EventsDropped);
        QVERIFY2(reports[1].detail.startsWith(u"2 events"), qPrintable(reports[1].detail));
        QCOMPARE(bus.stats().dropReports, quint64(2));
        QCOMPARE(bus.stats().dropped, quint64(14)); // the reports were not counted as drops
    }

    void aSubscribersFullQueueDropsOnlyForIt()
    {
        Gate gate;
        Collector small, other;
        EventBus bus(m_clock);
        SubscriberOptions tiny;
        tiny.maxQueued = 10;
        const SubscriptionId smallId = bus.subscribe(QStringLiteral("small"), small.callback(&gate), tiny);
        bus.subscribe(QStringLiteral("other"), other.callback());
        gate.close();
        QVERIFY(bus.publish(failedAuth(1, 0)));
        QVERIFY(gate.waitForWaiter(5s));
        for (int i = 1; i <= 50; ++i)
            QVERIFY(bus.publish(failedAuth(1, i)));
        QTRY_COMPARE(other.ofType(EventType::FailedAuth).size(), 51);
        QTRY_COMPARE(statsFor(bus, smallId).dropped, quint64(40));
        gate.open();
        QVERIFY(bus.flush(5s));
        m_clock.advance(1s); // drops counted after a first report are reported a second later
        const auto reportedDrops = [&small] {
            qint64 sum = 0;
            for (const SecurityEvent &report : small.ofType(EventType::EventsDropped))
                sum += report.detail.section(u' ', 0, 0).toLongLong();
            return sum;
        };
        QTRY_COMPARE(reportedDrops(), qint64(40));
        QVERIFY(bus.flush(5s));
        // Its first event, the ten that fit, and the reports of its drops, which are never dropped themselves: one,
        // or two when the dispatcher reported while the drops were still happening.
        const EventBatch reports = small.ofType(EventType::EventsDropped);
        QVERIFY(reports.size() == 1 || reports.size() == 2);
        qint64 reported = 0;
        for (const SecurityEvent &report : reports) {
            QCOMPARE(report.reason, QStringLiteral("subscriber_queue_full"));
            QVERIFY2(report.detail.contains(u" events were not delivered to small"), qPrintable(report.detail));
            reported += report.detail.section(u' ', 0, 0).toLongLong();
        }
        QCOMPARE(reported, 40);
        QCOMPARE(small.count(), 1 + 10 + reports.size());
        QCOMPARE(other.ofType(EventType::EventsDropped).size(), reports.size());
        QCOMPARE(bus.stats().dropped, quint64(0));
    }

    void flushOverridesPacingAndTimesOut()
    {
        Gate gate;
        Collector paced, stuck;
        EventBus bus(m_clock);
        SubscriberOptions slowly;
        slowly.minInterval = 60s;
        bus.subscribe(QStringLiteral("paced"), paced.callback(), slowly);
        QVERIFY(bus.publish(failedAuth(1, 0)));
        QVERIFY(bus.flush(5s));
        QCOMPARE(paced.count(), 1);
        for (int i = 1; i <= 10; ++i)
            QVERIFY(bus.publish(failedAuth(1, i)));
        QElapsedTimer flushing;
        flushing.start();
        QVERIFY(bus.flush(5s)); // inside the 60 s interval: flush does not wait for it
        QVERIFY(flushing.elapsed() < 5000);
        QCOMPARE(paced.count(), 11);

        bus.subscribe(QStringLiteral("stuck"), stuck.callback(&gate));
        gate.close();
        QVERIFY(bus.publish(failedAuth(1, 11)));
        QVERIFY(!bus.flush(50ms));
        gate.open();
        QVERIFY(bus.flush(5s));
        QCOMPARE(stuck.count(), 1);
    }

    void aFullBatchDoesNotWaitOutTheInterval()
    {
        Collector paced;
        EventBus bus(m_clock);
        SubscriberOptions slowly;
        slowly.minInterval = 60s;
        slowly.maxBatch = 10;
        bus.subscribe(QStringLiteral("paced"), paced.callback(), slowly);
        QVERIFY(bus.publish(failedAuth(1, 0)));
        QTRY_COMPARE(paced.count(), 1); // the first delivery has no interval to wait out
        for (int i = 1; i <= 25; ++i)
            QVERIFY(bus.publish(failedAuth(1, i)));
        QTRY_COMPARE(paced.count(), 21); // two full batches at once; the other five wait for the interval
        QTest::qWait(50);
        QCOMPARE(paced.count(), 21);
        QCOMPARE(paced.batchSizes(), (std::vector<qsizetype> {1, 10, 10}));
    }

    // The interval runs from the start of a delivery: a consumer whose delivery took longer than the interval (the
    // event log writing a large batch) gets the next batch at once instead of idling through another interval.
    void aSlowDeliveryIsFollowedAtOnce()
    {
        Gate gate;
        Collector paced;
        EventBus bus(m_clock);
        SubscriberOptions slowly;
        slowly.minInterval = 2s;
        bus.subscribe(QStringLiteral("paced"), paced.callback(&gate), slowly);
        gate.close();
        QVERIFY(bus.publish(failedAuth(1, 0)));
        QVERIFY(gate.waitForWaiter(5s));
        for (int i = 1; i <= 5; ++i)
            QVERIFY(bus.publish(failedAuth(1, i)));
        QTest::qWait(2200); // the first delivery outlasts the interval
        QElapsedTimer sinceOpened;
        sinceOpened.start();
        gate.open();
        QTRY_COMPARE_WITH_TIMEOUT(paced.count(), 6, 5000);
        QCOMPARE_LT(sinceOpened.elapsed(), 1500); // before the interval from the end of the first delivery
        QCOMPARE(paced.batchSizes(), (std::vector<qsizetype> {1, 5}));
    }

    void destructionDeliversWhatIsQueued()
    {
        Collector paced, direct;
        {
            EventBus bus(m_clock);
            SubscriberOptions slowly;
            slowly.minInterval = 60s;
            bus.subscribe(QStringLiteral("paced"), paced.callback(), slowly);
            SubscriberOptions onDispatcher;
            onDispatcher.onDispatcher = true;
            bus.subscribe(QStringLiteral("direct"), direct.callback(), onDispatcher);
            QVERIFY(bus.publish(failedAuth(1, 0)));
            QTRY_COMPARE(paced.count(), 1);
            for (int i = 1; i < 500; ++i)
                QVERIFY(bus.publish(failedAuth(1, i)));
        }
        QCOMPARE(paced.count(), 500);
        QCOMPARE(direct.count(), 500);
    }

    void unsubscribeStopsDeliveries()
    {
        Collector got, kept;
        EventBus bus(m_clock);
        const SubscriptionId id = bus.subscribe(QStringLiteral("leaving"), got.callback());
        bus.subscribe(QStringLiteral("staying"), kept.callback());
        QVERIFY(bus.publish(failedAuth(1, 0)));
        QVERIFY(bus.flush(5s));
        bus.unsubscribe(id);
        bus.unsubscribe(id); // twice is harmless
        QVERIFY(bus.publish(failedAuth(1, 1)));
        QVERIFY(bus.flush(5s));
        QCOMPARE(got.count(), 1);
        QCOMPARE(kept.count(), 2);
        QCOMPARE(bus.stats().subscribers.size(), std::size_t(1));
    }

    void unsubscribeWaitsForADeliveryInProgress()
    {
        Gate gate;
        Collector got;
        EventBus bus(m_clock);
        const SubscriptionId id = bus.subscribe(QStringLiteral("busy"), got.callback(&gate));
        gate.close();
        QVERIFY(bus.publish(failedAuth(1, 0)));
        QVERIFY(gate.waitForWaiter(5s));
        std::atomic<bool> returned {false};
        std::thread leaving([&] {
            bus.unsubscribe(id);
            returned = true;
        });
        QTest::qWait(50);
        QVERIFY(!returned.load()); // still inside the delivery
        gate.open();
        leaving.join();
        QCOMPARE(got.count(), 1);
    }

    void aSubscriberMayUnsubscribeItselfAndPublish()
    {
        Collector all;
        EventBus bus(m_clock);
        bus.subscribe(QStringLiteral("all"), all.callback());
        for (const bool onDispatcher : {false, true}) {
            std::atomic<int> calls {0};
            std::atomic<int> refused {0};
            auto id = std::make_shared<std::atomic<SubscriptionId>>(0);
            SubscriberOptions options;
            options.onDispatcher = onDispatcher;
            *id = bus.subscribe(
                QStringLiteral("once"),
                [&bus, &calls, &refused, id](const EventBatch &) {
                    ++calls;
                    SecurityEvent alert;
                    alert.type = EventType::AlertRaised;
                    if (!bus.publish(alert))
                        ++refused;
                    bus.unsubscribe(*id);
                },
                options);
            QVERIFY(bus.publish(failedAuth(1, 0)));
            QTRY_COMPARE(all.ofType(EventType::AlertRaised).size(), onDispatcher ? 2 : 1);
            QVERIFY(bus.publish(failedAuth(1, 1)));
            QVERIFY(bus.flush(5s));
            QCOMPARE(calls.load(), 1);
            QCOMPARE(refused.load(), 0);
        }
    }

    void theFeedDeliversOnItsThreadAtMostOncePerInterval()
    {
        EventBus bus(m_clock);
        EventFeed feed(bus, QStringLiteral("ui"), {100ms, 10'000});
        QThread *const mainThread = QThread::currentThread();
        std::vector<qint64> arrivals;
        qsizetype received = 0;
        bool wrongThread = false;
        QElapsedTimer clock;
        clock.start();
        connect(&feed, &EventFeed::eventsArrived, this, [&](const QList<SecurityEvent> &events) {
            wrongThread = wrongThread || QThread::currentThread() != mainThread;
            arrivals.push_back(clock.elapsed());
            received += events.size();
        });
        std::thread publisher([&bus] {
            for (int i = 0; i < 50; ++i) {
                for (int j = 0; j < 20; ++j)
                    (void)bus.publish(failedAuth(1, i * 20 + j));
                std::this_thread::sleep_for(10ms); // a steady stream over about half a second
            }
        });
        QTRY_COMPARE_WITH_TIMEOUT(received, 1000, 10000);
        publisher.join();
        QVERIFY(!wrongThread);
        QVERIFY2(arrivals.size() >= 2, QByteArray::number(qulonglong(arrivals.size())).constData());
        for (std::size_t i = 1; i < arrivals.size(); ++i)
            QVERIFY2(arrivals[i] - arrivals[i - 1] >= 95,
                     QByteArray::number(arrivals[i] - arrivals[i - 1]).constData());
        QCOMPARE(feed.droppedCount(), quint64(0));
    }

    void theFeedKeepsTheNewestWhenItsBufferIsFull()
    {
        EventBus bus(m_clock);
        EventFeed feed(bus, QStringLiteral("ui"), {0ms, 100});
        QSignalSpy arrived(&feed, &EventFeed::eventsArrived);
        // Nothing runs this thread's event loop while the events come, so they pile up in the feed.
        for (int i = 0; i < 1000; ++i)
            QVERIFY(bus.publish(failedAuth(1, i)));
        QVERIFY(bus.flush(5s));
        QCOMPARE(feed.droppedCount(), quint64(900));
        QTRY_COMPARE(arrived.count(), 1);
        const auto events = arrived.at(0).at(0).value<QList<SecurityEvent>>();
        QCOMPARE(events.size(), 100);
        QCOMPARE(sequenceOf(events.front()), 900);
        QCOMPARE(sequenceOf(events.back()), 999);
    }
};

QTEST_GUILESS_MAIN(TestEventBus)
#include "TestEventBus.moc"
