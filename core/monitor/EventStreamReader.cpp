#include "monitor/EventStreamReader.h"

#include <algorithm>

#include <QLoggingCategory>
#include <QStringBuilder>

#include "common/Redaction.h"
#include "monitor/EventStreamError.h"
#include "ratelimit/ReconnectBackoff.h"
#include "ratelimit/RedisEndpoint.h"

namespace portcullis::monitor {

Q_LOGGING_CATEGORY(lcEventStreamReader, "portcullis.core.monitor")

using ratelimit::RedisReply;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds MIN_PAUSE {10};
constexpr milliseconds MAX_ERROR_DELAY {60'000};
constexpr qsizetype MAX_INSTANCE_LENGTH = 256;

bool isString(const RedisReply &reply)
{
    return reply.type == RedisReply::Type::String || reply.type == RedisReply::Type::Status;
}

// The value of `name` in an entry's flat field list, if the entry has it once.
const QByteArray *fieldValue(const RedisReply &fields, QByteArrayView name)
{
    if (fields.type != RedisReply::Type::Array || fields.elements.size() % 2 != 0)
        return nullptr;
    const QByteArray *found = nullptr;
    for (std::size_t i = 0; i < fields.elements.size(); i += 2) {
        if (!isString(fields.elements[i]) || fields.elements[i].text != name)
            continue;
        if (found || !isString(fields.elements[i + 1]))
            return nullptr;
        found = &fields.elements[i + 1].text;
    }
    return found;
}

} // namespace

struct EventStreamReader::Outcome
{
    enum class Kind
    {
        Ok,
        ConnectionFailed, // wait for the reconnect backoff
        Refused, // an error reply or a reply of the wrong shape: wait errorDelay
    };
    Kind kind = Kind::Ok;
    QString reason;
};

Result<std::unique_ptr<EventStreamReader>> EventStreamReader::create(QStringView url, const Clock &clock,
                                                                     Options options, BatchHandler onBatch,
                                                                     HealthHandler onHealth)
{
    auto key = eventstream::checkedKey(options.key);
    if (!key)
        return key.error();
    auto startId = eventstream::checkedStartId(options.startId);
    if (!startId)
        return startId.error();
    const auto invalid = [](const QString &detail) { return Error(EventStreamError::InvalidOption, detail); };
    if (options.count < 1 || options.count > MAX_COUNT)
        return invalid(QStringLiteral("The event stream reader's count of %1 entries per read is out of range: use "
                                      "1 to %2.")
                           .arg(options.count)
                           .arg(MAX_COUNT));
    if (options.block < MIN_BLOCK || options.block > MAX_BLOCK)
        return invalid(QStringLiteral("The event stream reader's block time of %1 ms is out of range: use %2 to %3 "
                                      "ms (it bounds how long stop() takes).")
                           .arg(options.block.count())
                           .arg(MIN_BLOCK.count())
                           .arg(MAX_BLOCK.count()));
    if (options.connection.connectTimeout.count() <= 0 || options.connection.commandTimeout.count() <= 0
        || options.errorDelay.count() < 0 || options.errorDelay > MAX_ERROR_DELAY)
        return invalid(QStringLiteral("The event stream reader needs positive connect and command timeouts and an "
                                      "error delay of 0 to %1 ms.")
                           .arg(MAX_ERROR_DELAY.count()));
    if (options.instance.size() > MAX_INSTANCE_LENGTH)
        return invalid(QStringLiteral("The event stream reader's instance filter is longer than %1 characters.")
                           .arg(MAX_INSTANCE_LENGTH));
    if (!onBatch)
        return invalid(QStringLiteral("The event stream reader needs a batch handler."));
    auto endpoint = ratelimit::RedisEndpoint::parse(url);
    if (!endpoint)
        return endpoint.error();
    return std::unique_ptr<EventStreamReader>(new EventStreamReader(
        std::make_shared<const ratelimit::RedisEndpoint>(std::move(*endpoint)), clock, std::move(*key),
        std::move(*startId), std::move(options), std::move(onBatch), std::move(onHealth)));
}

EventStreamReader::EventStreamReader(std::shared_ptr<const ratelimit::RedisEndpoint> endpoint, const Clock &clock,
                                     QByteArray key, QByteArray startId, Options options, BatchHandler onBatch,
                                     HealthHandler onHealth)
    : m_endpoint(std::move(endpoint))
    , m_backoff(std::make_shared<ratelimit::ReconnectBackoff>(clock, options.backoffInitial, options.backoffMax))
    , m_key(std::move(key))
    , m_options(std::move(options))
    , m_count(QByteArray::number(m_options.count))
    , m_block(QByteArray::number(qint64(m_options.block.count())))
    , m_onBatch(std::move(onBatch))
    , m_onHealth(std::move(onHealth))
    , m_lastId(std::move(startId))
{ }

EventStreamReader::~EventStreamReader()
{
    Q_ASSERT_X(m_threadId.load() != std::this_thread::get_id(), "EventStreamReader",
               "a reader must not be destroyed from its own handlers");
    stop();
}

QString EventStreamReader::description() const
{
    return m_endpoint->description();
}

void EventStreamReader::start()
{
    const std::lock_guard lock(m_threadMutex);
    if (m_thread.joinable() || m_stopping)
        return;
    m_thread = std::thread([this] { run(); });
}

void EventStreamReader::stop()
{
    {
        const std::lock_guard lock(m_wakeMutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_threadId.load() == std::this_thread::get_id())
        return; // from a handler: the thread ends when the handler returns
    const std::lock_guard lock(m_threadMutex);
    if (m_thread.joinable())
        m_thread.join();
}

QByteArray EventStreamReader::lastId() const
{
    const std::lock_guard lock(m_idMutex);
    return m_lastId;
}

void EventStreamReader::setLastId(const QByteArray &id)
{
    const std::lock_guard lock(m_idMutex);
    m_lastId = id;
}

EventStreamReader::Stats EventStreamReader::stats() const
{
    Stats stats;
    stats.delivered = m_delivered.load();
    stats.skipped = m_skipped.load();
    stats.filtered = m_filtered.load();
    stats.reconnects = m_reconnects.load();
    stats.errors = m_errors.load();
    stats.healthy = m_healthy.load();
    return stats;
}

void EventStreamReader::pause(milliseconds delay)
{
    std::unique_lock lock(m_wakeMutex);
    m_wake.wait_for(lock, delay, [this] { return m_stopping.load(); });
}

void EventStreamReader::setHealthy(bool healthy, const QString &reason)
{
    const bool changed = m_healthy.exchange(healthy) != healthy;
    if (!changed && m_reported)
        return;
    m_reported = true;
    if (healthy)
        qCInfo(lcEventStreamReader).noquote() << reason;
    else
        qCWarning(lcEventStreamReader).noquote() << reason;
    if (m_onHealth)
        m_onHealth(healthy, reason);
}

void EventStreamReader::run()
{
    m_threadId = std::this_thread::get_id();
    // A blocking read holds the connection for the block time: the reply may take that long plus the timeout.
    ratelimit::RedisConnection::Options connectionOptions = m_options.connection;
    connectionOptions.commandTimeout += m_options.block;
    ratelimit::RedisConnection connection(m_endpoint, connectionOptions, m_backoff);
    const QString working
        = u"Reading events from the Redis stream " % QString::fromLatin1(m_key) % u" at " % description() % u'.';
    while (!m_stopping) {
        const Outcome outcome = step(connection);
        m_reconnects = std::max<qint64>(0, qint64(connection.connectCount()) - 1);
        if (m_stopping)
            break;
        if (outcome.kind == Outcome::Kind::Ok) {
            setHealthy(true, working);
            continue;
        }
        ++m_errors;
        setHealthy(false, outcome.reason);
        if (outcome.kind == Outcome::Kind::ConnectionFailed)
            pause(std::clamp(m_backoff->waitLeft(), MIN_PAUSE, std::max(MIN_PAUSE, m_options.backoffMax)));
        else
            pause(std::max(MIN_PAUSE, m_options.errorDelay));
    }
    m_threadId = std::thread::id();
}

EventStreamReader::Outcome EventStreamReader::step(ratelimit::RedisConnection &connection)
{
    return lastId() == "$" ? resolveStart(connection) : readOnce(connection);
}

std::optional<EventStreamReader::Outcome> EventStreamReader::failure(const Result<RedisReply> &reply) const
{
    if (!reply)
        return Outcome {Outcome::Kind::ConnectionFailed, u"Reading the event stream failed: " % reply.error().detail()};
    if (reply->isError())
        return Outcome {Outcome::Kind::Refused,
                        u"Redis at " % description() % u" refused to read the stream " % QString::fromLatin1(m_key)
                            % u" (" % redaction::escapeUntrusted(QString::fromUtf8(reply->text), 200)
                            % u"). Check that the key holds a stream."};
    return std::nullopt;
}

// "$" becomes the stream's newest id, so that a read after a reconnect still starts where this one did.
EventStreamReader::Outcome EventStreamReader::resolveStart(ratelimit::RedisConnection &connection)
{
    const QByteArrayView args[] {"XREVRANGE", m_key, "+", "-", "COUNT", "1"};
    auto reply = connection.command(args);
    if (auto failed = failure(reply))
        return *failed;
    if (reply->type != RedisReply::Type::Array)
        return {Outcome::Kind::Refused, u"Redis at " % description() % u" answered XREVRANGE with a non-list."};
    if (reply->elements.empty()) {
        setLastId("0-0"); // no stream yet: everything added from now on is new
        return {};
    }
    const RedisReply &newest = reply->elements.front();
    if (newest.type != RedisReply::Type::Array || newest.elements.empty() || !isString(newest.elements.front())
        || !eventstream::parseStreamId(newest.elements.front().text))
        return {Outcome::Kind::Refused, u"Redis at " % description() % u" answered XREVRANGE with no stream id."};
    setLastId(newest.elements.front().text);
    return {};
}

EventStreamReader::Outcome EventStreamReader::readOnce(ratelimit::RedisConnection &connection)
{
    const QByteArray after = lastId();
    const QByteArrayView args[] {"XREAD", "COUNT", m_count, "BLOCK", m_block, "STREAMS", m_key, after};
    auto reply = connection.command(args);
    if (auto failed = failure(reply))
        return *failed;
    if (reply->type == RedisReply::Type::Nil)
        return {}; // nothing new within the block time
    if (reply->type == RedisReply::Type::Array) {
        for (const RedisReply &stream : reply->elements) {
            if (stream.type == RedisReply::Type::Array && stream.elements.size() == 2 && isString(stream.elements[0])
                && stream.elements[0].text == m_key)
                return deliver(stream.elements[1]);
        }
    }
    return {Outcome::Kind::Refused, u"Redis at " % description() % u" answered XREAD with a reply of the wrong shape."};
}

EventStreamReader::Outcome EventStreamReader::deliver(const RedisReply &entries)
{
    const Outcome malformed {Outcome::Kind::Refused,
                             u"Redis at " % description() % u" answered XREAD with a malformed entry."};
    if (entries.type != RedisReply::Type::Array)
        return malformed;
    // Counted and applied only once the whole reply has been checked, so a malformed reply read again later is
    // not counted twice.
    const QByteArray after = lastId();
    eventstream::StreamId floor
        = eventstream::parseStreamId(after).value_or(eventstream::StreamId {after.toULongLong(), 0}); // "0" or "<ms>"
    QList<eventstream::StreamEntry> batch;
    batch.reserve(qsizetype(entries.elements.size()));
    qint64 skipped = 0;
    qint64 filtered = 0;
    QByteArray newest;
    for (const RedisReply &entry : entries.elements) {
        if (entry.type != RedisReply::Type::Array || entry.elements.size() != 2 || !isString(entry.elements[0]))
            return malformed;
        const QByteArray &id = entry.elements[0].text;
        const auto parsed = eventstream::parseStreamId(id);
        if (!parsed || !(*parsed > floor))
            return malformed; // Redis returns only later entries; anything else would deliver twice
        floor = *parsed;
        newest = id;
        const QByteArray *value = fieldValue(entry.elements[1], eventstream::EVENT_FIELD);
        auto event = value ? eventstream::decodeEvent(*value) : std::nullopt;
        if (!event) {
            ++skipped;
            qCDebug(lcEventStreamReader) << "skipped stream entry" << id << "(not an event)";
        } else if (!m_options.instance.isEmpty() && event->instanceId != m_options.instance) {
            ++filtered;
        } else {
            batch.append({id, std::move(*event)});
        }
    }
    if (!batch.isEmpty())
        m_onBatch(batch);
    m_delivered += batch.size();
    m_skipped += skipped;
    m_filtered += filtered;
    if (!newest.isEmpty())
        setLastId(newest);
    return {};
}

} // namespace portcullis::monitor
