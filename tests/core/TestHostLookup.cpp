#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <QElapsedTimer>
#include <QTest>

#include "ResultText.h"
#include "ratelimit/HostLookup.h"

using namespace portcullis;
using namespace portcullis::ratelimit;
using namespace std::chrono_literals;

namespace {

// A resolver that answers only once released, counting its calls: a name server that does not answer.
class HeldResolver
{
public:
    HostLookup::Resolver resolver()
    {
        return [this](const QByteArray &) -> Result<QList<QByteArray>> {
            ++m_calls;
            std::unique_lock lock(m_mutex);
            m_changed.wait(lock, [this] { return m_released; });
            return QList<QByteArray> {QByteArrayLiteral("192.0.2.7")};
        };
    }
    void release()
    {
        {
            const std::lock_guard lock(m_mutex);
            m_released = true;
        }
        m_changed.notify_all();
    }
    int calls() const { return m_calls.load(); }

private:
    std::mutex m_mutex;
    std::condition_variable m_changed;
    bool m_released = false;
    std::atomic<int> m_calls {0};
};

} // namespace

class TestHostLookup : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void addressLiteralsNeedNoLookup()
    {
        int calls = 0;
        HostLookup lookup([&calls](const QByteArray &) -> Result<QList<QByteArray>> {
            ++calls;
            return Error(CommonError::NotFound, QStringLiteral("no"));
        });
        QCOMPARE(*lookup.resolve(QStringLiteral("127.0.0.1"), 1s), QList<QByteArray> {"127.0.0.1"});
        QCOMPARE(*lookup.resolve(QStringLiteral("::1"), 1s), QList<QByteArray> {"::1"});
        QCOMPARE(calls, 0);
    }

    void theSystemResolverFindsLocalhost()
    {
        auto addresses = HostLookup::systemResolve("localhost");
        QVERIFY2(addresses.has_value(), test::why(addresses).constData());
        QVERIFY2(addresses->contains("127.0.0.1") || addresses->contains("::1"), addresses->join(' ').constData());
        HostLookup lookup;
        auto again = lookup.resolve(QStringLiteral("localhost"), 5s);
        QVERIFY2(again.has_value(), test::why(again).constData());
        QCOMPARE(*again, *addresses);
    }

    void aResolverErrorComesBack()
    {
        HostLookup lookup([](const QByteArray &host) -> Result<QList<QByteArray>> {
            return Error(CommonError::NotFound, u"cannot resolve " % QString::fromUtf8(host) % u" (unknown name)");
        });
        auto found = lookup.resolve(QStringLiteral("redis.example"), 1s);
        QVERIFY(!found.has_value());
        QVERIFY(found.error().is(CommonError::NotFound));
        QCOMPARE(found.error().detail(), QStringLiteral("cannot resolve redis.example (unknown name)"));
    }

    // The caller waits no longer than its timeout, however long the resolver takes; a second call waits for the
    // lookup already running instead of starting another; once it answers, the answer is used, whether it came while
    // a call waited or between calls.
    void aSlowResolverTimesOutAndIsNotStartedTwice()
    {
        HeldResolver held;
        HostLookup lookup(held.resolver());
        QElapsedTimer waited;
        waited.start();
        auto first = lookup.resolve(QStringLiteral("redis.example"), 200ms);
        QVERIFY(!first.has_value());
        QVERIFY(first.error().is(CommonError::Timeout));
        QCOMPARE(first.error().detail(),
                 QStringLiteral("cannot resolve redis.example within 200 ms (the system "
                                "resolver is slow or cannot reach its name server)"));
        QVERIFY(!lookup.resolve(QStringLiteral("redis.example"), 200ms).has_value());
        QCOMPARE_LT(waited.elapsed(), 3000);
        QCOMPARE(held.calls(), 1);

        held.release();
        QTest::qWait(50); // the answer comes while nobody waits
        auto answered = lookup.resolve(QStringLiteral("redis.example"), 5s);
        QVERIFY2(answered.has_value(), test::why(answered).constData());
        QCOMPARE(*answered, QList<QByteArray> {"192.0.2.7"});
        QCOMPARE(held.calls(), 1);
        // A later call looks the name up again: addresses change.
        QVERIFY(lookup.resolve(QStringLiteral("redis.example"), 5s).has_value());
        QCOMPARE(held.calls(), 2);
    }

    // A name server a little slower than the timeout: every call times out, but the answer that came after one is
    // the next one's, so a connection can still be made.
    void aResolverSlowerThanTheTimeoutIsStillHeard()
    {
        std::atomic<int> calls {0};
        HostLookup lookup([&calls](const QByteArray &) -> Result<QList<QByteArray>> {
            ++calls;
            std::this_thread::sleep_for(300ms);
            return QList<QByteArray> {QByteArrayLiteral("192.0.2.8")};
        });
        QVERIFY(!lookup.resolve(QStringLiteral("redis.example"), 50ms).has_value());
        QElapsedTimer retrying;
        retrying.start();
        bool heard = false;
        while (!heard && retrying.elapsed() < 5000) {
            QTest::qWait(100); // a reconnect's backoff
            heard = lookup.resolve(QStringLiteral("redis.example"), 50ms).has_value();
        }
        QVERIFY(heard);
        QCOMPARE(calls.load(), 1);
    }

    // A lookup the caller gave up on finishes on its own after the lookup object is gone.
    void anAbandonedLookupFinishesAlone()
    {
        auto held = std::make_shared<HeldResolver>();
        {
            // The lookup's thread keeps its own copy of the resolver, and so `held`, until it returns.
            HostLookup lookup([held](const QByteArray &host) { return held->resolver()(host); });
            QVERIFY(!lookup.resolve(QStringLiteral("redis.example"), 50ms).has_value());
        }
        QTRY_COMPARE(held->calls(), 1);
        std::weak_ptr<HeldResolver> watched = held;
        held->release();
        held.reset();
        QTRY_VERIFY(watched.expired()); // the lookup's thread returned and let go of its state
    }
};

QTEST_GUILESS_MAIN(TestHostLookup)
#include "TestHostLookup.moc"
