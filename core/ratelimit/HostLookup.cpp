#include "ratelimit/HostLookup.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include <QHostAddress>
#include <QStringBuilder>

#include "common/Redaction.h"

namespace portcullis::ratelimit {

namespace {

// How long the answer of a lookup whose caller stopped waiting stays good for the next call.
constexpr auto UNCLAIMED_ANSWER_LIFE = std::chrono::seconds(30);

} // namespace

struct HostLookup::Pending
{
    QByteArray host;
    std::mutex mutex;
    std::condition_variable finished;
    std::optional<Result<QList<QByteArray>>> result; // set once, under mutex
    std::chrono::steady_clock::time_point finishedAt; // under mutex
    bool claimed = false; // under mutex: a call returned the result
};

Result<QList<QByteArray>> HostLookup::systemResolve(const QByteArray &host)
{
    addrinfo hints {};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    addrinfo *found = nullptr;
    const int failed = getaddrinfo(host.constData(), nullptr, &hints, &found);
    if (failed != 0)
        return Error(CommonError::NotFound,
                     u"cannot resolve " % redaction::escapeUntrusted(QString::fromUtf8(host), 100) % u" ("
                         % QString::fromLocal8Bit(gai_strerror(failed)) % u')');
    QList<QByteArray> addresses;
    for (const addrinfo *entry = found; entry; entry = entry->ai_next) {
        char text[INET6_ADDRSTRLEN] = {};
        const void *address = nullptr;
        if (entry->ai_family == AF_INET)
            address = &reinterpret_cast<const sockaddr_in *>(entry->ai_addr)->sin_addr;
        else if (entry->ai_family == AF_INET6)
            address = &reinterpret_cast<const sockaddr_in6 *>(entry->ai_addr)->sin6_addr;
        if (address && inet_ntop(entry->ai_family, address, text, sizeof text) && !addresses.contains(QByteArray(text)))
            addresses.append(QByteArray(text));
    }
    freeaddrinfo(found);
    if (addresses.isEmpty())
        return Error(CommonError::NotFound,
                     u"cannot resolve " % redaction::escapeUntrusted(QString::fromUtf8(host), 100)
                         % u" (no IPv4 or IPv6 address)");
    return addresses;
}

HostLookup::HostLookup(Resolver resolver)
    : m_resolver(std::move(resolver))
{ }

HostLookup::~HostLookup() = default;

Result<QList<QByteArray>> HostLookup::resolve(const QString &host, std::chrono::milliseconds timeout)
{
    if (QHostAddress literal; literal.setAddress(host))
        return QList<QByteArray> {host.toLatin1()};
    const QByteArray name = host.toUtf8();
    // A lookup for this name still running from an earlier call is waited for again, not started twice; one that
    // finished after its caller stopped waiting gives this call its answer (else a resolver that is always a little
    // slower than the timeout would never be heard).
    const bool reuse = [&] {
        if (!m_pending || m_pending->host != name)
            return false;
        const std::lock_guard lock(m_pending->mutex);
        return !m_pending->result.has_value()
            || (!m_pending->claimed
                && std::chrono::steady_clock::now() - m_pending->finishedAt < UNCLAIMED_ANSWER_LIFE);
    }();
    if (!reuse) {
        m_pending = std::make_shared<Pending>();
        m_pending->host = name;
        std::thread([pending = m_pending, resolver = m_resolver] {
            auto result = resolver(pending->host);
            {
                const std::lock_guard lock(pending->mutex);
                pending->result = std::move(result);
                pending->finishedAt = std::chrono::steady_clock::now();
            }
            pending->finished.notify_all();
        }).detach();
    }
    std::unique_lock lock(m_pending->mutex);
    if (!m_pending->finished.wait_for(lock, timeout, [this] { return m_pending->result.has_value(); }))
        return Error(CommonError::Timeout,
                     u"cannot resolve " % redaction::escapeUntrusted(host, 100) % u" within "
                         % QString::number(timeout.count())
                         % u" ms (the system resolver is slow or cannot reach its name server)");
    m_pending->claimed = true;
    return *m_pending->result;
}

} // namespace portcullis::ratelimit
