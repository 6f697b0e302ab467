#include "monitor/EventBus.h"

#include <algorithm>
#include <deque>

#include <QLoggingCategory>
#include <QStringBuilder>

#include "common/Clock.h"
#include "monitor/EventRing.h"

namespace portcullis::monitor {

namespace {

Q_LOGGING_CATEGORY(lcEventBus, "portcullis.core.monitor")

using SteadyClock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// The most events the dispatcher takes from the ring before handing them on.
constexpr std::size_t MAX_DRAIN = 4096;
// While events keep coming the dispatcher looks at the ring this often, and publishers make no system call to wake
// it; after IDLE_AFTER without events it sleeps until a publisher wakes it (at most LONG_SLEEP).
constexpr auto BUSY_POLL = 1ms;
constexpr auto IDLE_AFTER = 50ms;
constexpr auto LONG_SLEEP = 1s;
// Drops are reported at most this often (on the bus's clock).
constexpr auto DROP_REPORT_INTERVAL = 1s;

SecurityEvent dropEvent(const QString &reason, const QString &detail, qint64 timeMs, const QString &instanceId)
{
    SecurityEvent event;
    event.timeMs = timeMs;
    event.type = EventType::EventsDropped;
    event.severity = defaultSeverity(EventType::EventsDropped);
    event.reason = reason;
    event.detail = detail;
    event.instanceId = instanceId;
    return normalized(std::move(event));
}

} // namespace

struct EventBus::Subscriber
{
    SubscriptionId id = 0;
    QString name;
    std::function<void(const EventBatch &)> deliver;
    SubscriberOptions options;
    std::shared_ptr<const std::atomic<int>> flushing;

    std::mutex mutex; // guards everything below
    std::condition_variable wake; // the worker: events queued, flush, stop
    std::condition_variable done; // flush(): a delivery finished
    std::deque<SecurityEvent> queue;
    quint64 accepted = 0; // events handed to it, including those dropped
    quint64 handled = 0; // delivered, dropped or discarded
    quint64 delivered = 0;
    quint64 dropped = 0;
    quint64 reportedDrops = 0; // dispatcher thread only
    quint64 batches = 0;
    qsizetype largestBatch = 0;
    bool stopping = false; // deliver what is queued, then end
    bool closed = false; // end now
    SteadyClock::time_point lastDeliveryStart {};

    std::mutex deliveryMutex; // held while an onDispatcher subscriber is delivered
    std::jthread worker;

    void finishDelivery(qsizetype count)
    {
        handled += quint64(count);
        delivered += quint64(count);
        ++batches;
        largestBatch = std::max(largestBatch, count);
        done.notify_all();
    }
};

EventBus::EventBus(const Clock &clock, Options options)
    : m_clock(clock)
    , m_instanceId(options.instanceId)
    , m_ring(std::make_unique<EventRing>(options.capacity))
    , m_pressureMask(std::max<std::size_t>(m_ring->capacity() / 4, 1) - 1)
    , m_flushing(std::make_shared<std::atomic<int>>(0))
    , m_dispatcher([this](std::stop_token stop) { runDispatcher(std::move(stop)); })
{ }

EventBus::~EventBus()
{
    m_dispatcher.request_stop();
    wakeDispatcher();
    m_dispatcher.join();
    std::vector<std::shared_ptr<Subscriber>> subscribers;
    {
        const std::lock_guard lock(m_subscribersMutex);
        subscribers.swap(m_subscribers);
    }
    for (const auto &subscriber : subscribers)
        stopSubscriber(subscriber, true);
}

std::size_t EventBus::capacity() const
{
    return m_ring->capacity();
}

SecurityEvent EventBus::prepared(SecurityEvent event) const
{
    if (event.timeMs == 0)
        event.timeMs = m_clock.unixMillis();
    if (event.instanceId.isEmpty())
        event.instanceId = m_instanceId;
    if (event.severity == Severity::Info)
        event.severity = defaultSeverity(event.type);
    return normalized(std::move(event));
}

bool EventBus::publish(SecurityEvent event)
{
    std::size_t position = 0;
    if (!m_ring->push(prepared(std::move(event)), position)) {
        m_dropped.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    // Pairs with the fence in runDispatcher(): either the dispatcher sees this event before it sleeps, or this
    // publisher sees that it asked to be woken.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    const bool asked = m_wantWake.load(std::memory_order_relaxed) && m_wantWake.exchange(false);
    // A burst that fills a quarter of the ring wakes a polling dispatcher early, before the ring overflows.
    if (asked || (position & m_pressureMask) == m_pressureMask)
        wakeDispatcher();
    return true;
}

void EventBus::wakeDispatcher()
{
    {
        const std::lock_guard lock(m_wakeMutex);
        m_wakeRequested = true;
    }
    m_wake.notify_one();
}

SubscriptionId EventBus::subscribe(const QString &name, std::function<void(const EventBatch &)> deliver,
                                   SubscriberOptions options)
{
    auto subscriber = std::make_shared<Subscriber>();
    subscriber->name = name;
    subscriber->deliver = std::move(deliver);
    options.maxQueued = std::max<qsizetype>(options.maxQueued, 1);
    options.maxBatch = std::max<qsizetype>(options.maxBatch, 1);
    options.minInterval = std::max(options.minInterval, std::chrono::milliseconds(0));
    subscriber->options = options;
    subscriber->flushing = m_flushing;
    if (!options.onDispatcher)
        subscriber->worker = std::jthread([subscriber] { runSubscriber(subscriber); });
    const std::lock_guard lock(m_subscribersMutex);
    subscriber->id = m_nextId++;
    m_subscribers.push_back(subscriber);
    return subscriber->id;
}

void EventBus::unsubscribe(SubscriptionId id)
{
    std::shared_ptr<Subscriber> subscriber;
    {
        const std::lock_guard lock(m_subscribersMutex);
        const auto found = std::find_if(m_subscribers.begin(), m_subscribers.end(),
                                        [id](const auto &candidate) { return candidate->id == id; });
        if (found == m_subscribers.end())
            return;
        subscriber = *found;
        m_subscribers.erase(found);
    }
    stopSubscriber(subscriber, false);
}

void EventBus::stopSubscriber(const std::shared_ptr<Subscriber> &subscriber, bool drainFirst)
{
    {
        const std::lock_guard lock(subscriber->mutex);
        if (drainFirst) {
            subscriber->stopping = true;
        } else {
            subscriber->closed = true;
            subscriber->handled += quint64(subscriber->queue.size());
            subscriber->queue.clear();
        }
    }
    subscriber->wake.notify_all();
    subscriber->done.notify_all();
    const auto self = std::this_thread::get_id();
    if (subscriber->options.onDispatcher) {
        // Wait out a delivery in progress, unless this is that delivery unsubscribing itself.
        if (self != m_dispatcher.get_id()) {
            const std::lock_guard delivering(subscriber->deliveryMutex);
        }
        return;
    }
    if (self == subscriber->worker.get_id())
        subscriber->worker.detach(); // it ends after this delivery; it holds its own reference
    else if (subscriber->worker.joinable())
        subscriber->worker.join();
}

std::vector<std::shared_ptr<EventBus::Subscriber>> EventBus::subscribersSnapshot() const
{
    const std::lock_guard lock(m_subscribersMutex);
    return m_subscribers;
}

void EventBus::runDispatcher(std::stop_token stop)
{
    EventBatch batch;
    batch.reserve(qsizetype(MAX_DRAIN));
    auto lastEvent = SteadyClock::now();
    for (;;) {
        batch.clear();
        const std::size_t taken = drain(batch, MAX_DRAIN);
        const bool stopping = stop.stop_requested();
        const qsizetype reports = reportDrops(batch, stopping);
        if (!batch.isEmpty())
            dispatch(batch, reports);
        m_dispatchedTo.store(m_ring->popped());
        if (m_flushing->load() > 0) {
            const std::lock_guard lock(m_progressMutex);
            m_progress.notify_all();
        }
        if (taken == MAX_DRAIN)
            continue;
        if (stopping) {
            // Publishers that claimed a cell before the stop are still moving their events in: wait for them.
            if (m_ring->popped() == m_ring->pushed())
                break;
            std::this_thread::yield();
            continue;
        }
        const auto now = SteadyClock::now();
        if (taken > 0)
            lastEvent = now;
        const bool idle = now - lastEvent >= IDLE_AFTER && m_flushing->load() == 0;
        std::unique_lock lock(m_wakeMutex);
        if (idle) {
            m_wantWake.store(true);
            std::atomic_thread_fence(std::memory_order_seq_cst);
            if (m_ring->ready()) {
                m_wantWake.store(false);
                continue;
            }
        }
        m_wake.wait_for(lock, idle ? std::chrono::duration_cast<std::chrono::milliseconds>(LONG_SLEEP) : BUSY_POLL,
                        [this] { return m_wakeRequested; });
        m_wakeRequested = false;
        m_wantWake.store(false);
    }
}

std::size_t EventBus::drain(EventBatch &batch, std::size_t max)
{
    const std::size_t waiting = m_ring->pushed() - m_ring->popped();
    if (waiting > m_highWater.load(std::memory_order_relaxed))
        m_highWater.store(waiting, std::memory_order_relaxed);
    std::size_t taken = 0;
    SecurityEvent event;
    while (taken < max && m_ring->pop(event)) {
        batch.append(std::move(event));
        event = SecurityEvent();
        ++taken;
    }
    return taken;
}

qsizetype EventBus::reportDrops(EventBatch &batch, bool force)
{
    const qsizetype before = batch.size();
    const quint64 dropped = m_dropped.load(std::memory_order_relaxed);
    const auto subscribers = subscribersSnapshot();
    const bool subscriberDrops = std::any_of(subscribers.begin(), subscribers.end(), [](const auto &subscriber) {
        const std::lock_guard lock(subscriber->mutex);
        return subscriber->dropped > subscriber->reportedDrops;
    });
    if (dropped == m_reportedDrops && !subscriberDrops)
        return 0;
    const auto now = m_clock.steadyNow();
    if (!force && m_lastReport && now - *m_lastReport < DROP_REPORT_INTERVAL)
        return 0;
    m_lastReport = now;
    const qint64 timeMs = m_clock.unixMillis();
    if (dropped > m_reportedDrops) {
        const quint64 count = dropped - m_reportedDrops;
        m_reportedDrops = dropped;
        batch.append(dropEvent(QStringLiteral("queue_full"),
                               QString::number(count)
                                   % u" events were dropped because the event bus was full (its consumers fell "
                                     u"behind). They are missing from the log and the feeds.",
                               timeMs, m_instanceId));
        m_dropReports.fetch_add(1, std::memory_order_relaxed);
        qCWarning(lcEventBus) << count << "events dropped: the event bus was full";
    }
    for (const auto &subscriber : subscribers) {
        quint64 count = 0;
        {
            const std::lock_guard lock(subscriber->mutex);
            count = subscriber->dropped - subscriber->reportedDrops;
            subscriber->reportedDrops = subscriber->dropped;
        }
        if (count == 0)
            continue;
        batch.append(dropEvent(QStringLiteral("subscriber_queue_full"),
                               QString::number(count) % u" events were not delivered to " % subscriber->name
                                   % u" because it fell behind and its queue was full.",
                               timeMs, m_instanceId));
        m_dropReports.fetch_add(1, std::memory_order_relaxed);
        qCWarning(lcEventBus) << count << "events dropped for subscriber" << subscriber->name;
    }
    return batch.size() - before;
}

void EventBus::dispatch(const EventBatch &batch, qsizetype reports)
{
    const qsizetype events = batch.size() - reports;
    for (const auto &subscriber : subscribersSnapshot()) {
        if (subscriber->options.onDispatcher) {
            deliverDirect(*subscriber, batch);
            continue;
        }
        {
            const std::lock_guard lock(subscriber->mutex);
            if (subscriber->closed)
                continue;
            const auto room
                = std::max<qsizetype>(subscriber->options.maxQueued - qsizetype(subscriber->queue.size()), 0);
            const auto taken = std::min(room, events);
            subscriber->queue.insert(subscriber->queue.end(), batch.cbegin(), batch.cbegin() + taken);
            subscriber->queue.insert(subscriber->queue.end(), batch.cend() - reports, batch.cend());
            subscriber->accepted += quint64(batch.size());
            subscriber->dropped += quint64(events - taken);
            subscriber->handled += quint64(events - taken);
        }
        subscriber->wake.notify_one();
    }
}

void EventBus::deliverDirect(Subscriber &subscriber, const EventBatch &batch)
{
    const std::lock_guard delivering(subscriber.deliveryMutex);
    {
        const std::lock_guard lock(subscriber.mutex);
        if (subscriber.closed)
            return;
        subscriber.accepted += quint64(batch.size());
    }
    const qsizetype step = subscriber.options.maxBatch;
    for (qsizetype from = 0; from < batch.size(); from += step) {
        const qsizetype count = std::min(step, batch.size() - from);
        subscriber.deliver(count == batch.size() ? batch : batch.mid(from, count));
        const std::lock_guard lock(subscriber.mutex);
        subscriber.finishDelivery(count);
    }
}

void EventBus::runSubscriber(const std::shared_ptr<Subscriber> &subscriber)
{
    Subscriber &s = *subscriber;
    EventBatch batch;
    std::unique_lock lock(s.mutex);
    for (;;) {
        s.wake.wait(lock, [&s] { return s.closed || s.stopping || !s.queue.empty(); });
        if (s.closed || (s.stopping && s.queue.empty()))
            return;
        // Let events gather until the interval is over; a full batch, a flush or a stop does not wait.
        const auto hurry = [&s] {
            return s.closed || s.stopping || s.flushing->load() > 0 || qsizetype(s.queue.size()) >= s.options.maxBatch;
        };
        if (s.options.minInterval.count() > 0 && !hurry())
            s.wake.wait_until(lock, s.lastDeliveryStart + s.options.minInterval, hurry);
        if (s.closed)
            return;
        const auto count = std::min<qsizetype>(s.options.maxBatch, qsizetype(s.queue.size()));
        batch.clear();
        batch.reserve(count);
        for (qsizetype i = 0; i < count; ++i) {
            batch.append(std::move(s.queue.front()));
            s.queue.pop_front();
        }
        s.lastDeliveryStart = SteadyClock::now();
        lock.unlock();
        s.deliver(batch);
        lock.lock();
        s.finishDelivery(count);
    }
}

bool EventBus::flush(std::chrono::milliseconds timeout)
{
    const auto deadline = SteadyClock::now() + timeout;
    const std::size_t target = m_ring->pushed();
    m_flushing->fetch_add(1);
    struct Done
    {
        std::atomic<int> &flushing;
        ~Done() { flushing.fetch_sub(1); }
    } done {*m_flushing};
    wakeDispatcher();
    {
        std::unique_lock lock(m_progressMutex);
        if (!m_progress.wait_until(lock, deadline, [&] { return m_dispatchedTo.load() >= target; }))
            return false;
    }
    for (const auto &subscriber : subscribersSnapshot()) {
        std::unique_lock lock(subscriber->mutex);
        const quint64 mark = subscriber->accepted;
        subscriber->wake.notify_all(); // a worker pacing its deliveries hurries now
        if (!subscriber->done.wait_until(lock, deadline,
                                         [&] { return subscriber->closed || subscriber->handled >= mark; }))
            return false;
    }
    return true;
}

EventBus::Stats EventBus::stats() const
{
    Stats stats;
    stats.published = m_ring->pushed();
    stats.dropped = m_dropped.load(std::memory_order_relaxed);
    stats.dropReports = m_dropReports.load(std::memory_order_relaxed);
    stats.highWater = m_highWater.load(std::memory_order_relaxed);
    for (const auto &subscriber : subscribersSnapshot()) {
        const std::lock_guard lock(subscriber->mutex);
        stats.subscribers.push_back({subscriber->id, subscriber->name, subscriber->delivered, subscriber->dropped,
                                     subscriber->batches, subscriber->largestBatch,
                                     qsizetype(subscriber->queue.size())});
    }
    return stats;
}

} // namespace portcullis::monitor
