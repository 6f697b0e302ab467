#include "ratelimit/RedisConnection.h"

#include <cerrno>
#include <charconv>
#include <mutex>

#include <hiredis/hiredis.h>

#include <QFile>
#include <QStringBuilder>

#include "common/Redaction.h"
#include "ratelimit/ReconnectBackoff.h"
#include "ratelimit/RedisEndpoint.h"

namespace portcullis::ratelimit {

namespace {

// hiredis builds replies through a table of functions; the connection swaps in one that refuses oversized strings
// and arrays (hiredis then reports an out-of-memory error, which the connection turns into a protocol error).
const redisReplyObjectFunctions *s_defaultReplyFunctions = nullptr;
redisReplyObjectFunctions s_limitedReplyFunctions;
std::once_flag s_limitedReplyFunctionsReady;

void *createLimitedString(const redisReadTask *task, char *text, size_t length)
{
    if (length > RedisConnection::MAX_REPLY_STRING)
        return nullptr;
    return s_defaultReplyFunctions->createString(task, text, length);
}

void *createLimitedArray(const redisReadTask *task, int elements)
{
    if (elements > RedisConnection::MAX_REPLY_ELEMENTS)
        return nullptr;
    return s_defaultReplyFunctions->createArray(task, elements);
}

void limitReplies(redisContext *context)
{
    std::call_once(s_limitedReplyFunctionsReady, [context] {
        s_defaultReplyFunctions = context->reader->fn;
        s_limitedReplyFunctions = *s_defaultReplyFunctions;
        s_limitedReplyFunctions.createString = createLimitedString;
        s_limitedReplyFunctions.createArray = createLimitedArray;
    });
    context->reader->fn = &s_limitedReplyFunctions;
}

timeval toTimeval(std::chrono::milliseconds duration)
{
    const auto ms = std::max<qint64>(1, duration.count());
    return timeval {time_t(ms / 1000), suseconds_t((ms % 1000) * 1000)};
}

RedisReply convert(const redisReply &reply)
{
    RedisReply out;
    switch (reply.type) {
    case REDIS_REPLY_INTEGER:
        out.type = RedisReply::Type::Integer;
        out.integer = reply.integer;
        break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
        out.type = reply.type == REDIS_REPLY_STRING ? RedisReply::Type::String
            : reply.type == REDIS_REPLY_STATUS      ? RedisReply::Type::Status
                                                    : RedisReply::Type::Error;
        out.text = QByteArray(reply.str, qsizetype(reply.len));
        break;
    case REDIS_REPLY_ARRAY:
        out.type = RedisReply::Type::Array;
        out.elements.reserve(reply.elements);
        for (std::size_t i = 0; i < reply.elements; ++i)
            out.elements.push_back(convert(*reply.element[i]));
        break;
    default:
        break;
    }
    return out;
}

struct ReplyDeleter
{
    void operator()(void *reply) const { freeReplyObject(reply); }
};

} // namespace

RedisConnection::RedisConnection(std::shared_ptr<const RedisEndpoint> endpoint, Options options,
                                 std::shared_ptr<ReconnectBackoff> backoff)
    : m_endpoint(std::move(endpoint))
    , m_options(options)
    , m_backoff(std::move(backoff))
    , m_lookup(m_options.resolver)
{ }

RedisConnection::~RedisConnection()
{
    disconnect();
}

QString RedisConnection::description() const
{
    return m_endpoint->description();
}

void RedisConnection::disconnect()
{
    if (m_context) {
        redisFree(m_context);
        m_context = nullptr;
    }
    m_repliesRead = 0;
}

Error RedisConnection::connectionFailed(RedisError code, const QString &what)
{
    disconnect();
    // A stale connection is no news about the server: the reconnect that follows tells.
    if (m_backoff && !(m_staleRetryAllowed && code == RedisError::ConnectionLost))
        m_backoff->failed();
    return Error(code, u"Redis at " % description() % u": " % what);
}

Result<void> RedisConnection::ensureConnected()
{
    if (m_context)
        return {};
    if (m_backoff && !m_backoff->tryAttempt())
        return Error(RedisError::Unavailable,
                     u"Redis at " % description() % u" failed a moment ago; the next attempt to reach it is in "
                         % QString::number(m_backoff->waitLeft().count()) % u" ms.");
    if (auto opened = open(); !opened)
        return opened;
    if (m_backoff)
        m_backoff->succeeded();
    ++m_connectCount;
    return {};
}

Result<void> RedisConnection::open()
{
    const RedisEndpoint &endpoint = *m_endpoint;
    const timeval connectTimeout = toTimeval(m_options.connectTimeout);
    QString refused;
    if (endpoint.transport() == RedisEndpoint::Transport::Unix) {
        m_context = redisConnectUnixWithTimeout(QFile::encodeName(endpoint.socketPath()).constData(), connectTimeout);
        if (!m_context)
            return connectionFailed(RedisError::ConnectFailed, QStringLiteral("out of memory for a connection."));
        if (m_context->err)
            refused = QString::fromLocal8Bit(m_context->errstr);
    } else {
        // Resolved here, within the connect timeout: hiredis would call getaddrinfo() itself, without one.
        auto addresses = m_lookup.resolve(endpoint.host(), m_options.connectTimeout);
        if (!addresses)
            return connectionFailed(RedisError::ConnectFailed,
                                    addresses.error().detail()
                                        % u". Check the host name in the Redis URL and this machine's DNS, or give "
                                          u"an address instead.");
        for (const QByteArray &address : *addresses) {
            m_context = redisConnectWithTimeout(address.constData(), endpoint.port(), connectTimeout);
            if (!m_context)
                return connectionFailed(RedisError::ConnectFailed, QStringLiteral("out of memory for a connection."));
            if (!m_context->err)
                break;
            refused = QString::fromLocal8Bit(m_context->errstr);
            if (&address != &addresses->constLast()) {
                redisFree(m_context);
                m_context = nullptr;
            }
        }
    }
    if (!m_context)
        return connectionFailed(RedisError::ConnectFailed,
                                u"no address for " % redaction::escapeUntrusted(endpoint.host(), 100) % u'.');
    if (m_context->err)
        return connectionFailed(RedisError::ConnectFailed,
                                u"cannot connect (" % refused
                                    % u"). Check that Redis is running there and that the URL is right.");
    if (redisSetTimeout(m_context, toTimeval(m_options.commandTimeout)) != REDIS_OK)
        return connectionFailed(RedisError::ConnectFailed, QStringLiteral("cannot set the command timeout."));
    limitReplies(m_context);
    return login();
}

Result<void> RedisConnection::login()
{
    const RedisEndpoint &endpoint = *m_endpoint;
    const auto refused = [&](const QByteArray &reply, const QString &advice) {
        // Redis does not echo a password, but make sure of it.
        QByteArray text = reply;
        if (!endpoint.password().isEmpty())
            text.replace(endpoint.password().view().toByteArray(), "***");
        return connectionFailed(RedisError::ConnectFailed,
                                u"the server refused " % advice % u" ("
                                    % redaction::escapeUntrusted(QString::fromUtf8(text), 200) % u").");
    };
    if (!endpoint.password().isEmpty()) {
        const QByteArray user = endpoint.user().toUtf8();
        std::vector<QByteArrayView> args {"AUTH"};
        if (!user.isEmpty())
            args.emplace_back(user);
        args.emplace_back(endpoint.password().view());
        auto reply = command(args);
        if (!reply)
            return reply.error();
        if (reply->isError())
            return refused(reply->text, QStringLiteral("the login: check the user name and password in the Redis URL"));
    }
    if (endpoint.database() != 0) {
        const QByteArray database = QByteArray::number(endpoint.database());
        const QByteArrayView args[] {"SELECT", database};
        auto reply = command(args);
        if (!reply)
            return reply.error();
        if (reply->isError())
            return refused(reply->text,
                           u"database " % QString::number(endpoint.database())
                               % u": check the database number in the Redis URL");
    }
    return {};
}

Result<void> RedisConnection::check(RedisCommand command)
{
    if (command.empty() || command.size() > MAX_ARGUMENTS)
        return Error(RedisError::CommandFailed,
                     QStringLiteral("A Redis command needs 1 to %1 arguments.").arg(qulonglong(MAX_ARGUMENTS)));
    return {};
}

Result<void> RedisConnection::append(RedisCommand command)
{
    // The command in RESP (*<count>, then $<length> and the bytes of each argument), formatted here in one pass into
    // a buffer kept between commands: hiredis's own formatting grows a string piece by piece per argument.
    constexpr std::size_t HEADER = 1 + 20 + 2; // '*' or '$', a 64-bit number, CRLF
    std::size_t size = HEADER;
    for (const QByteArrayView &argument : command)
        size += HEADER + std::size_t(argument.size()) + 2;
    if (m_outgoing.capacity() > std::max<std::size_t>(size, KEPT_OUTGOING_BYTES))
        m_outgoing = std::string(); // a large command once: give the memory back
    m_outgoing.resize(size);
    char *const begin = m_outgoing.data();
    char *const end = begin + size;
    const auto header = [end](char *out, char kind, std::size_t number) {
        *out++ = kind;
        out = std::to_chars(out, end, number).ptr;
        *out++ = '\r';
        *out++ = '\n';
        return out;
    };
    char *out = header(begin, '*', command.size());
    for (const QByteArrayView &argument : command) {
        out = header(out, '$', std::size_t(argument.size()));
        if (!argument.isEmpty())
            out = std::copy(argument.begin(), argument.end(), out);
        *out++ = '\r';
        *out++ = '\n';
    }
    if (redisAppendFormattedCommand(m_context, begin, std::size_t(out - begin)) != REDIS_OK)
        return connectionFailed(RedisError::ConnectionLost, QStringLiteral("cannot queue a command."));
    return {};
}

Result<RedisReply> RedisConnection::read()
{
    void *raw = nullptr;
    errno = 0;
    if (redisGetReply(m_context, &raw) != REDIS_OK || !raw) {
        const int error = errno;
        const int kind = m_context->err;
        const QString why = QString::fromLocal8Bit(m_context->errstr);
        if (kind == REDIS_ERR_IO && (error == EAGAIN || error == EWOULDBLOCK))
            return connectionFailed(RedisError::Timeout,
                                    u"no answer within " % QString::number(m_options.commandTimeout.count())
                                        % u" ms; the connection was dropped.");
        if (kind == REDIS_ERR_OOM || kind == REDIS_ERR_PROTOCOL)
            return connectionFailed(RedisError::ProtocolError,
                                    u"a malformed reply, or one larger than " % QString::number(MAX_REPLY_STRING)
                                        % u" bytes or " % QString::number(MAX_REPLY_ELEMENTS) % u" elements (" % why
                                        % u").");
        if (kind == REDIS_ERR_EOF)
            return connectionFailed(RedisError::ConnectionLost, QStringLiteral("the server closed the connection."));
        return connectionFailed(RedisError::ConnectionLost, u"the connection failed (" % why % u").");
    }
    const std::unique_ptr<void, ReplyDeleter> owned(raw);
    return convert(*static_cast<const redisReply *>(raw));
}

Result<RedisReply> RedisConnection::command(RedisCommand command)
{
    auto replies = exchange({&command, 1});
    if (!replies)
        return replies.error();
    return std::move(replies->front());
}

Result<std::vector<RedisReply>> RedisConnection::pipeline(std::span<const RedisCommand> commands)
{
    if (commands.size() > MAX_PIPELINE)
        return Error(RedisError::CommandFailed,
                     QStringLiteral("At most %1 Redis commands go in one pipeline.").arg(qulonglong(MAX_PIPELINE)));
    return exchange(commands);
}

Result<std::vector<RedisReply>> RedisConnection::exchange(std::span<const RedisCommand> commands)
{
    for (const RedisCommand &command : commands) {
        if (auto valid = check(command); !valid)
            return valid.error();
    }
    // A connection that has worked before may have been closed by the server while it sat idle (a restart, an
    // idle timeout): if it fails before the first reply, reconnect once and send again.
    for (int attempt = 0;; ++attempt) {
        const bool reused = m_context != nullptr && m_repliesRead > 0;
        if (auto connected = ensureConnected(); !connected)
            return connected.error();
        for (const RedisCommand &command : commands) {
            if (auto appended = append(command); !appended)
                return appended.error();
        }
        std::vector<RedisReply> replies;
        replies.reserve(commands.size());
        for (std::size_t i = 0; i < commands.size(); ++i) {
            m_staleRetryAllowed = reused && attempt == 0 && i == 0;
            auto reply = read();
            m_staleRetryAllowed = false;
            if (!reply) {
                if (reused && attempt == 0 && i == 0 && reply.error().is(RedisError::ConnectionLost))
                    break;
                return reply.error();
            }
            ++m_repliesRead;
            replies.push_back(std::move(*reply));
        }
        if (replies.size() == commands.size())
            return replies;
    }
}

} // namespace portcullis::ratelimit
