#include "engine/RateLimitService.h"

#include <QStringBuilder>

#include "common/Clock.h"
#include "engine/SecurityMonitor.h"
#include "monitor/SecurityEvent.h"
#include "ratelimit/MemoryRateLimitStore.h"
#include "ratelimit/RateLimitHeaders.h"
#include "ratelimit/RedisRateLimitStore.h"

namespace portcullis::engine {

namespace {

QString refusalReason(const ratelimit::Decision &decision)
{
    if (decision.storeUnavailable)
        return QStringLiteral("store_unavailable");
    if (decision.exceedsCapacity)
        return QStringLiteral("exceeds_capacity");
    return QStringLiteral("limit_exceeded");
}

} // namespace

RateLimitService::RateLimitService(SecurityMonitor &monitor, const Clock &clock)
    : m_monitor(monitor)
    , m_clock(clock)
{ }

Result<std::unique_ptr<RateLimitService>> RateLimitService::open(SecurityMonitor &monitor, const Clock &clock,
                                                                 Options options)
{
    std::unique_ptr<RateLimitService> service(new RateLimitService(monitor, clock));
    if (!options.redisUrl.isEmpty()) {
        auto redis = ratelimit::RedisRateLimitStore::create(options.redisUrl, clock, {});
        if (!redis)
            return redis.error();
        service->m_redis = std::move(*redis);
    }
    service->m_memory = std::make_unique<ratelimit::MemoryRateLimitStore>(clock, options.maxMemoryKeys);
    RateLimitService *self = service.get();
    service->m_limiter = std::make_unique<ratelimit::RateLimiter>(
        service->m_redis.get(), *service->m_memory, clock, ratelimit::RateLimiter::Options {options.failureMode, {}},
        [self](const ratelimit::StoreHealthChange &change) { self->reportHealth(change); });
    if (options.purgeInterval.count() > 0)
        service->m_maintenance = std::jthread(
            [self, interval = options.purgeInterval](std::stop_token stop) { self->runMaintenance(stop, interval); });
    return service;
}

RateLimitService::~RateLimitService()
{
    if (m_maintenance.joinable()) {
        m_maintenance.request_stop();
        m_wake.notify_all();
        m_maintenance.join();
    }
}

ratelimit::Decision RateLimitService::decide(const ratelimit::RateLimitPolicy &policy,
                                             const ratelimit::RequestParts &request, qint64 cost)
{
    const ratelimit::Decision decision = m_limiter->decide(policy, policy.keyFor(request), cost);
    if (decision.allowed)
        return decision;
    monitor::SecurityEvent event;
    event.type = monitor::EventType::RateLimited;
    event.timeMs = m_clock.unixMillis();
    event.sourceAddress = request.sourceAddress;
    event.keyId = request.apiKeyId;
    event.user = request.subject;
    event.route = request.route;
    event.reason = refusalReason(decision);
    event.detail = u"Refused by policy '" % policy.name() % u"' (" % QString::number(policy.limit()) % u" per "
        % QString::number(policy.window().count() / 1000) % u" s); retry after "
        % QString::number(ratelimit::RateLimitHeaders::retryAfterSeconds(decision)) % u" s.";
    m_monitor.publish(std::move(event));
    return decision;
}

void RateLimitService::reportHealth(const ratelimit::StoreHealthChange &change)
{
    monitor::SecurityEvent event;
    event.timeMs = std::chrono::duration_cast<std::chrono::milliseconds>(change.when.time_since_epoch()).count();
    if (change.state == ratelimit::StoreHealthChange::State::Degraded) {
        event.type = monitor::EventType::StoreDegraded;
        event.reason = QStringLiteral("rate_limit_store");
        event.detail = u"The rate-limit store " % change.store % u" failed; meanwhile requests "
            % (change.mode == ratelimit::StoreFailureMode::FailClosed
                   ? QStringLiteral("are refused (fail closed)")
                   : QStringLiteral("are counted in this instance's memory only"))
            % u". " % change.reason;
    } else {
        event.type = monitor::EventType::StoreRecovered;
        event.reason = QStringLiteral("rate_limit_store");
        event.detail = u"The rate-limit store " % change.store % u" answers again; requests are counted there.";
    }
    m_monitor.publish(std::move(event));
}

void RateLimitService::purge()
{
    const std::lock_guard lock(m_purgeMutex);
    m_memory->purgeIdle();
    const qint64 evicted = m_memory->stats().evictedActive;
    if (evicted <= m_reportedEvictions)
        return;
    monitor::SecurityEvent event;
    event.type = monitor::EventType::SuspiciousRequest;
    event.timeMs = m_clock.unixMillis();
    event.reason = QStringLiteral("rate_limit_keys_evicted");
    event.detail = QString::number(evicted - m_reportedEvictions)
        % u" rate-limit keys were dropped from memory before they had recovered, so their counts were forgiven: "
          u"more distinct keys are active than the store holds ("
        % QString::number(m_memory->maxKeys()) % u"). Someone may be spreading requests over many addresses or keys.";
    m_reportedEvictions = evicted;
    m_monitor.publish(std::move(event));
}

QString RateLimitService::storeDescription() const
{
    return m_redis ? m_redis->description() : QStringLiteral("memory");
}

void RateLimitService::runMaintenance(std::stop_token stop, std::chrono::milliseconds interval)
{
    std::unique_lock lock(m_wakeMutex);
    while (!stop.stop_requested()) {
        m_wake.wait_for(lock, stop, interval, [] { return false; });
        if (stop.stop_requested())
            break;
        lock.unlock();
        purge();
        lock.lock();
    }
}

} // namespace portcullis::engine
