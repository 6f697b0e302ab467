#include "monitor/EventStreamPublisher.h"

#include <array>
#include <vector>

#include <QStringBuilder>

#include "common/Redaction.h"
#include "monitor/EventStream.h"
#include "monitor/EventStreamError.h"
#include "ratelimit/ReconnectBackoff.h"
#include "ratelimit/RedisEndpoint.h"

namespace portcullis::monitor {

using ratelimit::RedisCommand;
using ratelimit::RedisReply;

namespace {

// One XADD: name, key, MAXLEN, [~], length, *, field, value.
constexpr std::size_t MAX_XADD_ARGUMENTS = 8;

} // namespace

Result<std::unique_ptr<EventStreamPublisher>> EventStreamPublisher::create(QStringView url, const Clock &clock,
                                                                           Options options, HealthHandler onHealth)
{
    auto key = eventstream::checkedKey(options.key);
    if (!key)
        return key.error();
    if (options.maxLength < MIN_LENGTH || options.maxLength > MAX_LENGTH)
        return Error(EventStreamError::InvalidOption,
                     QStringLiteral("The event stream length cap %1 is out of range: use %2 to %3 entries.")
                         .arg(options.maxLength)
                         .arg(MIN_LENGTH)
                         .arg(MAX_LENGTH));
    if (options.maxPending < 0 || options.maxPending > MAX_PENDING)
        return Error(EventStreamError::InvalidOption,
                     QStringLiteral("The event stream's pending queue of %1 events is out of range: use 0 to %2.")
                         .arg(options.maxPending)
                         .arg(MAX_PENDING));
    if (options.connection.connectTimeout.count() <= 0 || options.connection.commandTimeout.count() <= 0)
        return Error(EventStreamError::InvalidOption,
                     QStringLiteral("The event stream publisher needs positive connect and command timeouts."));
    auto endpoint = ratelimit::RedisEndpoint::parse(url);
    if (!endpoint)
        return endpoint.error();
    auto backoff = std::make_shared<ratelimit::ReconnectBackoff>(clock, options.backoffInitial, options.backoffMax);
    auto connection = std::make_unique<ratelimit::RedisConnection>(
        std::make_shared<const ratelimit::RedisEndpoint>(std::move(*endpoint)), options.connection, backoff);
    return std::unique_ptr<EventStreamPublisher>(new EventStreamPublisher(
        std::move(connection), std::move(backoff), std::move(*key), std::move(options), std::move(onHealth)));
}

EventStreamPublisher::EventStreamPublisher(std::unique_ptr<ratelimit::RedisConnection> connection,
                                           std::shared_ptr<ratelimit::ReconnectBackoff> backoff, QByteArray key,
                                           Options options, HealthHandler onHealth)
    : m_backoff(std::move(backoff))
    , m_connection(std::move(connection))
    , m_key(std::move(key))
    , m_maxLength(QByteArray::number(options.maxLength))
    , m_options(std::move(options))
    , m_onHealth(std::move(onHealth))
{ }

EventStreamPublisher::~EventStreamPublisher() = default;

QString EventStreamPublisher::description() const
{
    return m_connection->description();
}

EventStreamPublisher::Stats EventStreamPublisher::stats() const
{
    Stats stats;
    stats.published = m_published.load();
    stats.dropped = m_dropped.load();
    stats.failedSends = m_failedSends.load();
    stats.pending = m_pendingCount.load();
    stats.healthy = m_healthy.load();
    return stats;
}

void EventStreamPublisher::publish(const QList<SecurityEvent> &events)
{
    // Encoding is the costly part: do it before taking the lock.
    std::vector<QByteArray> encoded;
    encoded.reserve(std::size_t(events.size()));
    for (const SecurityEvent &event : events)
        encoded.push_back(eventstream::encodeEvent(event));
    std::optional<std::pair<bool, QString>> change;
    {
        const std::lock_guard lock(m_mutex);
        for (QByteArray &value : encoded)
            m_pending.push_back(std::move(value));
        change = sendPending();
    }
    report(change);
}

void EventStreamPublisher::retryPending()
{
    std::optional<std::pair<bool, QString>> change;
    {
        const std::lock_guard lock(m_mutex);
        change = sendPending();
    }
    report(change);
}

void EventStreamPublisher::report(const std::optional<std::pair<bool, QString>> &change)
{
    if (change && m_onHealth)
        m_onHealth(change->first, change->second);
}

std::optional<std::pair<bool, QString>> EventStreamPublisher::sendPending()
{
    std::optional<QString> failure;
    const bool attempted = !m_pending.empty();
    while (!m_pending.empty() && !failure) {
        const qsizetype count = std::min<qsizetype>(qsizetype(m_pending.size()), MAX_BATCH);
        qsizetype accepted = 0;
        const auto chunkFailure = sendChunk(count, accepted);
        if (accepted < 0) { // the round trip failed: everything stays pending
            failure = chunkFailure;
            break;
        }
        m_pending.erase(m_pending.begin(), m_pending.begin() + count);
        if (chunkFailure)
            failure = chunkFailure; // refused entries: dropped, and the rest of the queue waits for the next call
    }
    trimPending();
    m_pendingCount = qsizetype(m_pending.size());
    if (!attempted) // nothing was sent, so nothing was learnt about Redis
        return std::nullopt;
    const bool healthy = !failure.has_value();
    if (m_healthy.exchange(healthy) == healthy)
        return std::nullopt;
    if (healthy)
        return std::pair(true, u"Publishing events to the Redis stream at " % description() % u" works again.");
    return std::pair(false, *failure);
}

// Sends the first `count` pending events in one pipeline. `accepted` is how many Redis stored, or -1 when the round
// trip failed. Returns why this was a failure, if it was.
std::optional<QString> EventStreamPublisher::sendChunk(qsizetype count, qsizetype &accepted)
{
    std::vector<std::array<QByteArrayView, MAX_XADD_ARGUMENTS>> arguments;
    arguments.resize(std::size_t(count));
    std::vector<RedisCommand> commands;
    commands.reserve(std::size_t(count));
    for (qsizetype i = 0; i < count; ++i) {
        auto &args = arguments[std::size_t(i)];
        std::size_t n = 0;
        args[n++] = "XADD";
        args[n++] = m_key;
        args[n++] = "MAXLEN";
        if (!m_options.exactTrim)
            args[n++] = "~";
        args[n++] = m_maxLength;
        args[n++] = "*";
        args[n++] = eventstream::EVENT_FIELD;
        args[n++] = m_pending[std::size_t(i)];
        commands.emplace_back(args.data(), n);
    }
    auto replies = m_connection->pipeline(commands);
    if (!replies) {
        accepted = -1;
        ++m_failedSends;
        return u"Publishing events to the Redis stream failed: " % replies.error().detail() % u" Up to "
            % QString::number(m_options.maxPending) % u" events wait for another attempt; older ones are dropped.";
    }
    accepted = 0;
    QByteArray refusal;
    bool refused = false;
    for (const RedisReply &reply : *replies) {
        if (reply.isError()) {
            ++m_dropped;
            refused = true;
            refusal = reply.text;
        } else {
            ++accepted;
        }
    }
    m_published += accepted;
    if (!refused)
        return std::nullopt;
    return u"Redis at " % description() % u" refused " % QString::number(count - accepted) % u" events for the stream "
        % QString::fromLatin1(m_key) % u" (" % redaction::escapeUntrusted(QString::fromUtf8(refusal), 200)
        % u"); they were dropped. Check that the key holds a stream and that Redis has memory left.";
}

void EventStreamPublisher::trimPending()
{
    const auto keep = std::size_t(m_options.maxPending);
    if (m_pending.size() <= keep)
        return;
    const auto excess = m_pending.size() - keep;
    m_pending.erase(m_pending.begin(), m_pending.begin() + qsizetype(excess));
    m_dropped += qint64(excess);
}

} // namespace portcullis::monitor
