#pragma once

// Measuring a case against its baseline in the same run: best rate over alternating rounds, so both sides see
// the same machine state, and one printed line with the ratio.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <utility>

namespace portcullis::bench {

constexpr int ROUNDS = 5;

inline double rate(const std::function<bool()> &operation, double seconds)
{
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    const auto end = start + std::chrono::duration<double>(seconds);
    long long count = 0;
    auto now = start;
    while (now < end) {
        for (int i = 0; i < 64; ++i) {
            if (!operation()) {
                std::fprintf(stderr, "operation failed during the benchmark\n");
                std::exit(1);
            }
        }
        count += 64;
        now = Clock::now();
    }
    return double(count) / std::chrono::duration<double>(now - start).count();
}

// {ours, baseline} in operations per second.
inline std::pair<double, double> measure(double secondsPerSide, const std::function<bool()> &ours,
                                         const std::function<bool()> &baseline)
{
    double bestOurs = 0, bestBaseline = 0;
    for (int round = 0; round < ROUNDS; ++round) {
        bestBaseline = std::max(bestBaseline, rate(baseline, secondsPerSide / ROUNDS));
        bestOurs = std::max(bestOurs, rate(ours, secondsPerSide / ROUNDS));
    }
    return {bestOurs, bestBaseline};
}

inline void report(const char *name, const std::pair<double, double> &rates, double target)
{
    const double ratio = rates.first / rates.second;
    std::printf("%-16s portcullis %11.0f/s   baseline %11.0f/s   ratio %.3f   (target >= %.2f)%s\n", name, rates.first,
                rates.second, ratio, target, ratio >= target ? "" : "   BELOW TARGET");
    std::fflush(stdout);
}

} // namespace portcullis::bench
