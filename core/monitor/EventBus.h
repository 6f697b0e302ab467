#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <QList>
#include <QString>

#include "monitor/SecurityEvent.h"

namespace portcullis {
class Clock;
}

namespace portcullis::monitor {

class EventRing;

using SubscriptionId = quint64;
using EventBatch = QList<SecurityEvent>;

struct SubscriberOptions
{
    // Events waiting for this subscriber; past this, new events are dropped for it (and counted).
    qsizetype maxQueued = 100'000;
    // The most events one delivery hands over.
    qsizetype maxBatch = 1000;
    // The least time from the start of one delivery to the start of the next: events gather meanwhile, so a consumer
    // gets fewer, larger batches. A delivery that takes longer is followed at once by the next (a consumer that is
    // behind is never left idle). Not kept when a full batch (maxBatch) is waiting, by flush() and at shutdown.
    std::chrono::milliseconds minInterval {0};
    // Deliver on the dispatcher thread instead of a thread of the subscriber's own. Only for callbacks that return
    // in microseconds and never block (appending to a buffer, counting): a slow one delays every subscriber.
    bool onDispatcher = false;
};

// Carries SecurityEvents from any thread to the subscribers (the event log, the failed-auth tracker, statistics,
// the UI feeds).
//
// publish() never waits for a consumer: it puts the event in a bounded lock-free ring (Vyukov's bounded queue) and
// returns; when the ring is full the event is dropped and counted, and the dispatcher reports the drops as one
// EventsDropped event at most once a second (that report is never dropped or counted itself). The dispatcher thread
// takes events from the ring in batches and hands each batch to every subscriber's own bounded queue; each
// subscriber is delivered by a thread of its own (or on the dispatcher when marked onDispatcher), so a slow
// subscriber gets larger batches and delays neither the others nor the publishers. Each subscriber sees every event
// it did not drop exactly once, in the order it was published from any one thread.
//
// Thread-safe. A subscriber's callback may publish and may unsubscribe itself, but must not call flush() or destroy
// the bus.
class EventBus
{
public:
    struct Options
    {
        std::size_t capacity = 16384; // events the ring holds (rounded up to a power of two); ~160 ms at 100k/s
        QString instanceId; // put on events published without one
    };

    struct SubscriberStats
    {
        SubscriptionId id = 0;
        QString name;
        quint64 delivered = 0;
        quint64 dropped = 0; // its queue was full
        quint64 batches = 0;
        qsizetype largestBatch = 0;
        qsizetype queued = 0;
    };

    struct Stats
    {
        quint64 published = 0; // accepted by publish()
        quint64 dropped = 0; // refused by publish(): the ring was full
        quint64 dropReports = 0; // EventsDropped events the bus published
        std::size_t highWater = 0; // the most events seen waiting in the ring
        std::vector<SubscriberStats> subscribers;
    };

    // `clock` gives the time put on events published without one, and paces the drop reports; it must outlive the bus.
    explicit EventBus(const Clock &clock, Options options);
    explicit EventBus(const Clock &clock)
        : EventBus(clock, Options {})
    { }
    // Delivers everything already published to every subscriber still subscribed (and a last drop report), then
    // stops: a subscriber whose callback uses state that dies before the bus must unsubscribe first.
    ~EventBus();
    EventBus(const EventBus &) = delete;
    EventBus &operator=(const EventBus &) = delete;

    // Normalizes the event (see normalized()), fills the time (when 0), the instance id (when empty) and the severity
    // (when Info, the struct's default: the type's default severity), and queues it. False, at once, when the ring is
    // full: the event is dropped and counted.
    bool publish(SecurityEvent event);
    // The event as publish() queues it: normalized, with the blanks filled.
    [[nodiscard]] SecurityEvent prepared(SecurityEvent event) const;

    // `deliver` receives batches of events on the subscriber's thread (one at a time, never concurrently). It should
    // not throw. Subscribing late does not replay earlier events.
    SubscriptionId subscribe(const QString &name, std::function<void(const EventBatch &)> deliver,
                             SubscriberOptions options);
    SubscriptionId subscribe(const QString &name, std::function<void(const EventBatch &)> deliver)
    {
        return subscribe(name, std::move(deliver), SubscriberOptions {});
    }
    // Stops deliveries to the subscriber; events still queued for it are discarded. Once it returns, `deliver` is not
    // running and will not be called again (unless called from `deliver` itself, which then finishes normally).
    void unsubscribe(SubscriptionId id);

    // Waits until everything published before the call has been delivered to every subscriber (or dropped for one
    // whose queue was full). False when `timeout` passed first. Not from a subscriber's callback.
    bool flush(std::chrono::milliseconds timeout);

    [[nodiscard]] Stats stats() const;
    [[nodiscard]] std::size_t capacity() const;

private:
    struct Subscriber;

    void runDispatcher(std::stop_token stop);
    // Moves up to `max` events from the ring into `batch`; the count taken.
    std::size_t drain(EventBatch &batch, std::size_t max);
    // Hands `batch` to every subscriber; its last `reports` events are the bus's own drop reports, which are queued
    // even for a subscriber whose queue is full (so they are never dropped and counted in turn).
    void dispatch(const EventBatch &batch, qsizetype reports);
    // Appends EventsDropped events for drops not yet reported, at most once per DROP_REPORT_INTERVAL unless `force`.
    qsizetype reportDrops(EventBatch &batch, bool force);
    static void runSubscriber(const std::shared_ptr<Subscriber> &subscriber);
    static void deliverDirect(Subscriber &subscriber, const EventBatch &batch);
    void wakeDispatcher();
    std::vector<std::shared_ptr<Subscriber>> subscribersSnapshot() const;
    void stopSubscriber(const std::shared_ptr<Subscriber> &subscriber, bool drainFirst);

    const Clock &m_clock;
    const QString m_instanceId;
    std::unique_ptr<EventRing> m_ring;
    const std::size_t m_pressureMask;

    std::atomic<quint64> m_published {0};
    std::atomic<quint64> m_dropped {0};
    std::atomic<quint64> m_dropReports {0};
    std::atomic<std::size_t> m_highWater {0};

    // Drops already reported (dispatcher thread only) and when the last report went out.
    quint64 m_reportedDrops = 0;
    std::optional<std::chrono::steady_clock::time_point> m_lastReport;

    // The dispatcher waits on m_wake. Publishers wake it only when m_wantWake says it went to sleep for long (or a
    // burst fills a quarter of the ring), so a busy bus costs a publisher no system call.
    std::mutex m_wakeMutex;
    std::condition_variable m_wake;
    bool m_wakeRequested = false; // guarded by m_wakeMutex
    std::atomic<bool> m_wantWake {false};
    // flush() calls in progress; shared with the subscribers' threads, which stop pacing their deliveries meanwhile.
    std::shared_ptr<std::atomic<int>> m_flushing;

    // Progress for flush(): how far the dispatcher has handed events on (ring positions).
    mutable std::mutex m_progressMutex;
    std::condition_variable m_progress;
    std::atomic<quint64> m_dispatchedTo {0};

    mutable std::mutex m_subscribersMutex;
    std::vector<std::shared_ptr<Subscriber>> m_subscribers;
    SubscriptionId m_nextId = 1;

    std::jthread m_dispatcher;
};

} // namespace portcullis::monitor
