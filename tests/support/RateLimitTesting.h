#pragma once

// Helpers shared by the rate-limit tests of every store.

#include <latch>
#include <thread>
#include <vector>

#include <QTest>

#include "ratelimit/RateLimitPolicy.h"

Q_DECLARE_METATYPE(portcullis::ratelimit::Algorithm)

namespace portcullis::test {

// A policy counting by source address; the arguments must make a valid one.
inline ratelimit::RateLimitPolicy rateLimitPolicy(ratelimit::Algorithm algorithm, qint64 limit,
                                                  std::chrono::milliseconds window, qint64 burst = 0,
                                                  const QString &name = QStringLiteral("test"))
{
    return ratelimit::RateLimitPolicy::create(
               {name, limit, window, algorithm, burst, {ratelimit::KeyPart::SourceAddress}})
        .value();
}

// A data column "algorithm" with one row per algorithm.
inline void addAlgorithmRows()
{
    using ratelimit::Algorithm;
    QTest::addColumn<Algorithm>("algorithm");
    QTest::newRow("sliding log") << Algorithm::SlidingLog;
    QTest::newRow("sliding counter") << Algorithm::SlidingCounter;
    QTest::newRow("token bucket") << Algorithm::TokenBucket;
}

// Runs `threads` threads, released together, each calling `work(index)`.
template<typename F>
void runTogether(int threads, F work)
{
    std::latch start(threads);
    std::vector<std::thread> running;
    running.reserve(std::size_t(threads));
    for (int i = 0; i < threads; ++i) {
        running.emplace_back([&start, &work, i] {
            start.arrive_and_wait();
            work(i);
        });
    }
    for (auto &thread : running)
        thread.join();
}

} // namespace portcullis::test
