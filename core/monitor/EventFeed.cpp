#include "monitor/EventFeed.h"

#include <QMetaObject>

namespace portcullis::monitor {

EventFeed::EventFeed(EventBus &bus, const QString &name, Options options, QObject *parent)
    : QObject(parent)
    , m_bus(bus)
    , m_options {std::max(options.interval, std::chrono::milliseconds(0)), std::max<qsizetype>(options.maxBuffered, 1)}
    , m_timer(this)
{
    qRegisterMetaType<QList<SecurityEvent>>();
    m_timer.setSingleShot(true);
    m_timer.setTimerType(Qt::PreciseTimer); // a coarse timer may fire 5% early: more often than the interval
    connect(&m_timer, &QTimer::timeout, this, &EventFeed::emitPending);
    SubscriberOptions subscription;
    subscription.onDispatcher = true; // accept() only appends to the buffer
    subscription.maxBatch = m_options.maxBuffered;
    m_subscription = m_bus.subscribe(
        name, [this](const EventBatch &batch) { accept(batch); }, subscription);
}

EventFeed::~EventFeed()
{
    // Once this returns accept() is not running and will not run again; a queued schedule() dies with this object.
    m_bus.unsubscribe(m_subscription);
}

quint64 EventFeed::droppedCount() const
{
    const std::lock_guard lock(m_mutex);
    return m_dropped;
}

void EventFeed::accept(const EventBatch &batch)
{
    const std::lock_guard lock(m_mutex);
    m_buffer.append(batch);
    if (const qsizetype excess = m_buffer.size() - m_options.maxBuffered; excess > 0) {
        m_buffer.remove(0, excess);
        m_dropped += quint64(excess);
    }
    if (!m_scheduled) {
        m_scheduled = true;
        QMetaObject::invokeMethod(this, &EventFeed::schedule, Qt::QueuedConnection);
    }
}

void EventFeed::schedule()
{
    const qint64 wait = m_sinceEmit.isValid() ? m_options.interval.count() - m_sinceEmit.elapsed() : 0;
    if (wait > 0)
        m_timer.start(std::chrono::milliseconds(wait));
    else
        emitPending();
}

void EventFeed::emitPending()
{
    EventBatch events;
    {
        const std::lock_guard lock(m_mutex);
        events.swap(m_buffer);
        m_scheduled = false;
    }
    m_sinceEmit.start();
    if (!events.isEmpty())
        Q_EMIT eventsArrived(events);
}

} // namespace portcullis::monitor
