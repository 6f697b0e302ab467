#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include <QByteArray>
#include <QList>
#include <QString>

#include "common/Result.h"

namespace portcullis::ratelimit {

// Resolves a host name within a deadline. getaddrinfo() has no timeout of its own (with an unreachable name server
// the resolver's retries take tens of seconds), and hiredis calls it inside redisConnect, on the thread that asked
// for a rate-limit decision. Here the lookup runs on a thread of its own: a caller that stops waiting leaves it to
// finish alone, and its next call waits for that same lookup instead of starting another, or takes its answer if it
// came meanwhile (within 30 s). Addresses come back as numeric text in the resolver's order; an address literal comes
// back at once, without a lookup.
class HostLookup
{
public:
    // Numeric addresses for a name, or an error saying why there are none. Runs on the lookup's thread.
    using Resolver = std::function<Result<QList<QByteArray>>(const QByteArray &host)>;

    // getaddrinfo() for TCP, IPv4 and IPv6.
    [[nodiscard]] static Result<QList<QByteArray>> systemResolve(const QByteArray &host);

    explicit HostLookup(Resolver resolver = systemResolve);
    ~HostLookup();
    HostLookup(const HostLookup &) = delete;
    HostLookup &operator=(const HostLookup &) = delete;

    // CommonError::Timeout when the lookup takes longer than `timeout`; the resolver's error when it fails.
    // Not thread-safe: one thread uses a lookup at a time (as one RedisConnection does).
    [[nodiscard]] Result<QList<QByteArray>> resolve(const QString &host, std::chrono::milliseconds timeout);

private:
    struct Pending;

    Resolver m_resolver;
    std::shared_ptr<Pending> m_pending; // the last lookup started, finished or not
};

} // namespace portcullis::ratelimit
