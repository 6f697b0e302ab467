#pragma once

#include <chrono>

#include <QList>
#include <QString>

#include "common/Result.h"

namespace portcullis::ratelimit {

enum class Algorithm
{
    SlidingLog, // exact: one timestamp per counted unit, at most `limit` per key
    SlidingCounter, // approximate, constant memory: two fixed windows, the previous one weighted
    TokenBucket, // GCRA: a theoretical arrival time per key; `burst` requests at once, `limit` per window
};

// What a policy counts by; a policy may combine several parts (per key and route, for instance).
enum class KeyPart
{
    SourceAddress,
    ApiKeyId,
    Subject, // the user or OAuth client id
    Route,
};

// The values of one request that a policy can count by.
struct RequestParts
{
    QString sourceAddress;
    QString apiKeyId;
    QString subject;
    QString route;
};

// How many requests one key may make in a window, and how that is counted. Immutable; copies are cheap.
class RateLimitPolicy
{
public:
    struct Spec
    {
        QString name;
        qint64 limit = 0;
        std::chrono::milliseconds window {0};
        Algorithm algorithm = Algorithm::SlidingCounter;
        qint64 burst = 0; // token bucket only: requests allowed at once; 0 for the limit
        QList<KeyPart> countBy {KeyPart::SourceAddress};
    };

    static constexpr qint64 MAX_LIMIT = 1'000'000'000;
    static constexpr qint64 MAX_LOG_LIMIT = 100'000; // a sliding log keeps one timestamp per unit
    static constexpr std::chrono::milliseconds MIN_WINDOW {1000};
    static constexpr std::chrono::milliseconds MAX_WINDOW {31LL * 24 * 3600 * 1000};
    static constexpr qsizetype MAX_NAME_LENGTH = 64;

    static Result<RateLimitPolicy> create(Spec spec);

    // The reference system's defaults: 1000 requests per hour, and 10 per hour for registration.
    static RateLimitPolicy defaultPolicy();
    static RateLimitPolicy registrationPolicy();
    // Every policy known by name without configuration: default and registration.
    static QList<RateLimitPolicy> builtIns();

    [[nodiscard]] const QString &name() const { return m_name; }
    [[nodiscard]] qint64 limit() const { return m_limit; }
    [[nodiscard]] std::chrono::milliseconds window() const { return m_window; }
    [[nodiscard]] Algorithm algorithm() const { return m_algorithm; }
    // Requests allowed at once: the burst for a token bucket, the limit otherwise.
    [[nodiscard]] qint64 burst() const { return m_burst; }
    [[nodiscard]] const QList<KeyPart> &countBy() const { return m_countBy; }

    // The window in nanoseconds and, for the token bucket, the time one unit takes to come back.
    [[nodiscard]] qint64 windowNs() const { return m_windowNs; }
    [[nodiscard]] qint64 emissionIntervalNs() const { return m_emissionIntervalNs; }

    // The key this policy counts `parts` under: the selected parts, each length-prefixed so that no value
    // can pass for another ("12:203.0.113.7|3:/v1").
    [[nodiscard]] QString keyFor(const RequestParts &parts) const;

private:
    RateLimitPolicy() = default;
    // A sliding counter by source address; `name` and `limit` must be valid.
    static RateLimitPolicy perHourBySource(QString name, qint64 limit);

    QString m_name;
    qint64 m_limit = 0;
    std::chrono::milliseconds m_window {0};
    Algorithm m_algorithm = Algorithm::SlidingCounter;
    qint64 m_burst = 0;
    QList<KeyPart> m_countBy;
    qint64 m_windowNs = 0;
    qint64 m_emissionIntervalNs = 0;
};

[[nodiscard]] QString algorithmName(Algorithm algorithm);
// "source address", "API key id", "subject", "route".
[[nodiscard]] QString keyPartName(KeyPart part);

} // namespace portcullis::ratelimit
