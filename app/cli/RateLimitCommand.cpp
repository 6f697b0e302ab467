#include "RateLimitCommand.h"

#include <QStringBuilder>

#include "CliSupport.h"
#include "jose/JsonWriter.h"
#include "ratelimit/MemoryRateLimitStore.h"
#include "ratelimit/RateLimitHeaders.h"
#include "ratelimit/RateLimitPolicy.h"
#include "ratelimit/RateLimiter.h"
#include "ratelimit/RedisRateLimitStore.h"

namespace portcullis::cli {

namespace {

using ratelimit::RateLimitPolicy;

const QString RATELIMIT_USAGE = QStringLiteral("ratelimit policies|check …");
const QString POLICIES_USAGE = QStringLiteral("ratelimit policies [--json]");
const QString CHECK_USAGE = QStringLiteral("ratelimit check --policy NAME --key K [--key K]... [--cost N] [--json]");

constexpr qint64 MAX_KEY_LENGTH = 1024;

QString windowText(std::chrono::milliseconds window)
{
    const qint64 seconds = window.count() / 1000;
    if (window.count() % 1000 == 0) {
        for (const auto &[unit, size] : {std::pair {u'd', 86400}, {u'h', 3600}, {u'm', 60}}) {
            if (seconds % size == 0)
                return QString::number(seconds / size) % unit;
        }
        return QString::number(seconds) % u's';
    }
    return QString::number(window.count()) % u"ms";
}

QString countByText(const RateLimitPolicy &policy)
{
    QStringList parts;
    for (const ratelimit::KeyPart part : policy.countBy())
        parts += ratelimit::keyPartName(part);
    return parts.join(QStringLiteral(" and "));
}

QString describe(const RateLimitPolicy &policy)
{
    QString text = QString::number(policy.limit()) % u" per " % windowText(policy.window()) % u", "
        % ratelimit::algorithmName(policy.algorithm());
    if (policy.algorithm() == ratelimit::Algorithm::TokenBucket)
        text += u" (burst " % QString::number(policy.burst()) % u')';
    return text % u", by " % countByText(policy);
}

void writePolicy(jose::JsonWriter &writer, const RateLimitPolicy &policy)
{
    writer.key("name").value(policy.name());
    writer.key("limit").value(policy.limit());
    writer.key("window_ms").value(qint64(policy.window().count()));
    writer.key("algorithm").value(ratelimit::algorithmName(policy.algorithm()));
    writer.key("burst").value(policy.burst());
    writer.key("count_by").beginArray();
    for (const ratelimit::KeyPart part : policy.countBy())
        writer.value(ratelimit::keyPartName(part));
    writer.endArray();
}

std::optional<RateLimitPolicy> findPolicy(const QString &name)
{
    for (const RateLimitPolicy &policy : RateLimitPolicy::builtIns()) {
        if (policy.name() == name)
            return policy;
    }
    return std::nullopt;
}

// The request parts for the policy's key parts, given in the policy's order.
ratelimit::RequestParts partsFor(const RateLimitPolicy &policy, const QStringList &keys)
{
    ratelimit::RequestParts parts;
    for (qsizetype i = 0; i < keys.size(); ++i) {
        switch (policy.countBy()[i]) {
        case ratelimit::KeyPart::SourceAddress:
            parts.sourceAddress = keys[i];
            break;
        case ratelimit::KeyPart::ApiKeyId:
            parts.apiKeyId = keys[i];
            break;
        case ratelimit::KeyPart::Subject:
            parts.subject = keys[i];
            break;
        case ratelimit::KeyPart::Route:
            parts.route = keys[i];
            break;
        }
    }
    return parts;
}

qint64 millis(std::chrono::nanoseconds duration)
{
    return std::chrono::ceil<std::chrono::milliseconds>(duration).count();
}

} // namespace

RateLimitCommand::RateLimitCommand(const engine::WorkspaceOptions &workspace, const Clock &clock)
    : m_options(workspace)
    , m_clock(clock)
{ }

int RateLimitCommand::run(const QStringList &arguments, Io &io)
{
    const QString sub = arguments.value(1);
    if (sub.isEmpty())
        return usageError(io, RATELIMIT_USAGE, QStringLiteral("'ratelimit' needs a subcommand"));
    if (sub == u"-h" || sub == u"--help") {
        io.out << "Usage: portcullis-cli [global options] " << RATELIMIT_USAGE << "\n\n"
               << "  policies  List the rate-limit policies by name.\n"
               << "  check     Count one request under a policy and say whether it may pass (exit 0 allowed,\n"
               << "            1 refused).\n\n"
               << "Run 'portcullis-cli ratelimit <subcommand> --help' for its options.\n";
        io.out.flush();
        return EXIT_OK;
    }
    if (sub == u"policies")
        return policies(arguments, io);
    if (sub == u"check")
        return check(arguments, io);
    return usageError(io, RATELIMIT_USAGE, u"unknown ratelimit subcommand '" % sub.left(64) % u'\'');
}

int RateLimitCommand::policies(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print JSON."));
    parser.addOption(json);
    if (!parseArguments(parser, arguments, 2, io, POLICIES_USAGE))
        return EXIT_USAGE;
    if (!parser.positionalArguments().isEmpty())
        return usageError(io, POLICIES_USAGE, QStringLiteral("'ratelimit policies' takes no arguments"));
    if (parser.isSet(json)) {
        jose::JsonWriter writer;
        writer.beginArray();
        for (const RateLimitPolicy &policy : RateLimitPolicy::builtIns()) {
            writer.beginObject();
            writePolicy(writer, policy);
            writer.endObject();
        }
        writer.endArray();
        io.out << writer.take() << "\n";
    } else {
        for (const RateLimitPolicy &policy : RateLimitPolicy::builtIns())
            io.out << policy.name().leftJustified(14) << ' ' << describe(policy) << "\n";
    }
    io.out.flush();
    return EXIT_OK;
}

int RateLimitCommand::check(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    const QCommandLineOption policyOption(QStringLiteral("policy"), QStringLiteral("The policy's name."),
                                          QStringLiteral("NAME"));
    const QCommandLineOption keyOption(QStringLiteral("key"),
                                       QStringLiteral("What the policy counts by (a source address, key id, …); "
                                                      "one per part for a policy that counts by several."),
                                       QStringLiteral("K"));
    const QCommandLineOption costOption(QStringLiteral("cost"), QStringLiteral("Units the request costs (default 1)."),
                                        QStringLiteral("N"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print JSON."));
    parser.addOptions({policyOption, keyOption, costOption, json});
    if (!parseArguments(parser, arguments, 2, io, CHECK_USAGE))
        return EXIT_USAGE;
    if (!parser.positionalArguments().isEmpty())
        return usageError(io, CHECK_USAGE, QStringLiteral("'ratelimit check' takes no positional arguments"));
    if (!parser.isSet(policyOption) || parser.values(policyOption).size() > 1)
        return usageError(io, CHECK_USAGE, QStringLiteral("give the policy once with --policy NAME"));
    const QString name = parser.value(policyOption);
    const auto policy = findPolicy(name);
    if (!policy)
        return usageError(io, CHECK_USAGE,
                          u"no rate-limit policy is named '" % name.left(64)
                              % u"'; 'portcullis-cli ratelimit policies' lists them");
    const QStringList keys = parser.values(keyOption);
    if (keys.size() != policy->countBy().size())
        return usageError(io, CHECK_USAGE,
                          u"policy '" % policy->name() % u"' counts by " % countByText(*policy) % u": give "
                              % QString::number(policy->countBy().size()) % u" --key value(s) in that order");
    for (const QString &key : keys) {
        if (key.isEmpty() || key.size() > MAX_KEY_LENGTH)
            return usageError(io, CHECK_USAGE,
                              u"each --key needs 1 to " % QString::number(MAX_KEY_LENGTH) % u" characters");
    }
    qint64 cost = 1;
    if (parser.isSet(costOption)) {
        bool ok = false;
        cost = parser.value(costOption).toLongLong(&ok);
        if (!ok || cost < 1 || cost > RateLimitPolicy::MAX_LIMIT)
            return usageError(io, CHECK_USAGE, QStringLiteral("--cost takes a whole number of units, at least 1"));
    }

    std::unique_ptr<ratelimit::RedisRateLimitStore> redis;
    if (!m_options.redis.isEmpty()) {
        auto created = ratelimit::RedisRateLimitStore::create(m_options.redis, m_clock, {});
        if (!created)
            return usageError(io, CHECK_USAGE, u"--redis: " % created.error().detail());
        redis = std::move(*created);
    }
    ratelimit::MemoryRateLimitStore memory(m_clock);
    QString storeFailure;
    // Fail closed, as a server does by default: a store that cannot count never lets a request through.
    ratelimit::RateLimiter limiter(redis.get(), memory, m_clock, {},
                                   [&storeFailure](const ratelimit::StoreHealthChange &change) {
                                       if (change.state == ratelimit::StoreHealthChange::State::Degraded)
                                           storeFailure = change.reason;
                                   });
    const QString key = policy->keyFor(partsFor(*policy, keys));
    const ratelimit::Decision decision = limiter.decide(*policy, key, cost);
    const QString storeName = redis ? redis->description() : QStringLiteral("memory");
    if (!redis)
        io.err << "portcullis-cli: note: no Redis is configured, so this check counts in this process's memory and "
                  "starts from zero; give --redis URL (or PORTCULLIS_REDIS_URL) to share counts with servers.\n";
    if (decision.storeUnavailable)
        io.err << "portcullis-cli: " << storeFailure << " The request is refused, as a server failing closed "
               << "would refuse it.\n";
    io.err.flush();

    const auto headers = ratelimit::RateLimitHeaders::render(*policy, decision, m_clock.now());
    if (parser.isSet(json)) {
        jose::JsonWriter writer;
        writer.beginObject();
        writer.key("policy").value(policy->name());
        writer.key("store").value(storeName);
        writer.key("allowed").value(decision.allowed);
        writer.key("store_unavailable").value(decision.storeUnavailable);
        writer.key("limit").value(decision.limit);
        writer.key("remaining").value(decision.remaining);
        writer.key("reset_after_ms").value(millis(decision.resetAfter));
        writer.key("retry_after_ms").value(millis(decision.retryAfter));
        writer.key("exceeds_capacity").value(decision.exceedsCapacity);
        writer.key("headers").beginObject();
        for (const auto &[field, value] : headers)
            writer.key(field).value(value);
        writer.endObject();
        writer.endObject();
        io.out << writer.take() << "\n";
    } else {
        io.out << (decision.allowed ? "allowed" : "refused") << "  " << policy->name() << ": " << describe(*policy)
               << "\n";
        io.out << "remaining " << decision.remaining << " of " << decision.limit << "; fully recovered in "
               << millis(decision.resetAfter) << " ms\n";
        if (decision.storeUnavailable)
            io.out << "the counter store is unavailable; retry after "
                   << ratelimit::RateLimitHeaders::retryAfterSeconds(decision) << " s\n";
        else if (decision.exceedsCapacity)
            io.out << "this request costs more than the policy ever allows at once; retrying will not help\n";
        else if (!decision.allowed)
            io.out << "retry after " << ratelimit::RateLimitHeaders::retryAfterSeconds(decision) << " s\n";
    }
    io.out.flush();
    return decision.allowed ? EXIT_OK : EXIT_FAILED;
}

} // namespace portcullis::cli
