#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include "common/Result.h"
#include "ratelimit/HostLookup.h"
#include "ratelimit/RedisError.h"

struct redisContext;

namespace portcullis::ratelimit {

class ReconnectBackoff;
class RedisEndpoint;

// One reply, copied out of hiredis. An error reply is a reply (Type::Error), not a failed Result: only the
// connection failing fails a command.
struct RedisReply
{
    enum class Type
    {
        Nil,
        Integer,
        String,
        Status,
        Error,
        Array,
    };

    Type type = Type::Nil;
    qint64 integer = 0;
    QByteArray text; // String, Status and Error
    std::vector<RedisReply> elements; // Array

    [[nodiscard]] bool isError() const { return type == Type::Error; }
};

// One command: the name and its arguments, each sent as binary-safe bytes.
using RedisCommand = std::span<const QByteArrayView>;

// One blocking connection to Redis through hiredis. Not thread-safe: one thread uses it at a time.
//  - Connects lazily (ensureConnected(), or the first command): the connect timeout bounds the host name lookup
//    (HostLookup) and then the TCP connect to each address found, in the resolver's order, until one answers; then
//    AUTH and SELECT when the URL asks for them. Every command is bounded by the command timeout.
//  - Any failure of the connection itself (refused, reset, timed out, a malformed reply) drops it, so no reply can
//    ever be matched to the wrong command, and tells the shared ReconnectBackoff; the next command reconnects once
//    the backoff allows, and fails at once with RedisError::Unavailable until then.
//  - A connection that worked before and fails before its first reply (the server closed it while idle) is
//    reconnected at once and the commands sent again, once.
//  - Replies are bounded: strings up to MAX_REPLY_STRING bytes, arrays up to MAX_REPLY_ELEMENTS elements (hiredis
//    itself refuses nesting deeper than 7); a larger reply drops the connection with a protocol error.
class RedisConnection
{
public:
    struct Options
    {
        std::chrono::milliseconds connectTimeout {1000};
        std::chrono::milliseconds commandTimeout {1000};
        HostLookup::Resolver resolver = HostLookup::systemResolve; // tests give a slow one
    };

    static constexpr std::size_t MAX_REPLY_STRING = std::size_t(1) << 20;
    static constexpr int MAX_REPLY_ELEMENTS = 1 << 16;
    static constexpr std::size_t MAX_PIPELINE = 4096;
    static constexpr std::size_t MAX_ARGUMENTS = 1 << 16;

    RedisConnection(std::shared_ptr<const RedisEndpoint> endpoint, Options options,
                    std::shared_ptr<ReconnectBackoff> backoff);
    ~RedisConnection();
    RedisConnection(const RedisConnection &) = delete;
    RedisConnection &operator=(const RedisConnection &) = delete;

    [[nodiscard]] bool isConnected() const { return m_context != nullptr; }
    // Counts the connections made so far: a caller that loads scripts per connection compares it.
    [[nodiscard]] quint64 connectCount() const { return m_connectCount; }
    // The server's address without credentials.
    [[nodiscard]] QString description() const;

    [[nodiscard]] Result<void> ensureConnected();
    void disconnect();

    [[nodiscard]] Result<RedisReply> command(RedisCommand command);
    // Sends every command, then reads every reply: one round trip. At most MAX_PIPELINE commands.
    [[nodiscard]] Result<std::vector<RedisReply>> pipeline(std::span<const RedisCommand> commands);

private:
    [[nodiscard]] Result<void> open();
    [[nodiscard]] Result<void> login();
    [[nodiscard]] static Result<void> check(RedisCommand command);
    [[nodiscard]] Result<void> append(RedisCommand command);
    [[nodiscard]] Result<RedisReply> read();
    [[nodiscard]] Result<std::vector<RedisReply>> exchange(std::span<const RedisCommand> commands);
    // Drops the connection, tells the backoff, and returns the error to hand back.
    [[nodiscard]] Error connectionFailed(RedisError code, const QString &what);

    std::shared_ptr<const RedisEndpoint> m_endpoint;
    Options m_options;
    std::shared_ptr<ReconnectBackoff> m_backoff;
    HostLookup m_lookup;
    redisContext *m_context = nullptr;
    quint64 m_connectCount = 0;
    quint64 m_repliesRead = 0; // on this connection
    bool m_staleRetryAllowed = false;
    std::string m_outgoing; // append()'s buffer
    static constexpr std::size_t KEPT_OUTGOING_BYTES = 64 * 1024;
};

} // namespace portcullis::ratelimit
