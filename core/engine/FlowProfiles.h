#pragma once

#include <memory>
#include <vector>

#include "common/Result.h"
#include "oauth/FlowProfileRepository.h"
#include "oauth/FlowTokens.h"
#include "oauth/ProviderProfile.h"

namespace portcullis {
class Clock;
}

namespace portcullis::store {
class Database;
class SecretStore;
} // namespace portcullis::store

namespace portcullis::engine {

// Flow Lab's saved profiles with their secrets: the profile in the store, the client secret, the assertion key and
// the last flow's tokens in the SecretStore (entries "flow.<name>.client-secret", "….assertion-key", "….tokens").
class FlowProfiles
{
public:
    using Row = oauth::FlowProfileRepository::Row;

    struct Saved
    {
        Row row;
        oauth::ClientCredentials credentials;
    };

    FlowProfiles(std::shared_ptr<store::Database> database, store::SecretStore &secrets, const Clock &clock);

    // Saves the profile and replaces its secrets with `credentials` (an empty secret or key removes the saved one).
    [[nodiscard]] Result<void> save(const oauth::ProviderProfile &profile, const oauth::ClientCredentials &credentials);
    [[nodiscard]] Result<Saved> load(const QString &name) const;
    [[nodiscard]] Result<std::vector<Row>> list() const;
    // The profile, its secrets and its tokens.
    [[nodiscard]] Result<void> remove(const QString &name);

    // A summary of the last run, without secrets, for `flow profiles show`; and the tokens it obtained (secret), when
    // it obtained any (null keeps the saved ones).
    [[nodiscard]] Result<void> recordRun(const QString &name, const QJsonObject &summary,
                                         const oauth::FlowTokens *tokens);
    // FlowError::StepOutOfOrder when the profile has no saved tokens.
    [[nodiscard]] Result<oauth::FlowTokens> loadTokens(const QString &name) const;

    [[nodiscard]] static QString secretName(const QString &profile, const char *what);

private:
    oauth::FlowProfileRepository m_repository;
    store::SecretStore &m_secrets;
    const Clock &m_clock;
};

} // namespace portcullis::engine
