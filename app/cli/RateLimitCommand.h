#pragma once

#include "Command.h"
#include "common/Clock.h"
#include "engine/Workspace.h"

namespace portcullis::cli {

// `portcullis-cli ratelimit …`: list the named policies and decide one request under one of them, for scripts.
// `check` exits 0 when the request is allowed, 1 when it is refused (or the counter store failed: refusing is the
// safe answer), 2 for usage errors.
class RateLimitCommand final : public Command
{
public:
    RateLimitCommand(const engine::WorkspaceOptions &workspace, const Clock &clock);

    [[nodiscard]] QString name() const override { return QStringLiteral("ratelimit"); }
    [[nodiscard]] QString summary() const override
    {
        return QStringLiteral("List rate-limit policies and check a key against one.");
    }
    int run(const QStringList &arguments, Io &io) override;

private:
    int policies(const QStringList &arguments, Io &io);
    int check(const QStringList &arguments, Io &io);

    const engine::WorkspaceOptions &m_options;
    const Clock &m_clock;
};

} // namespace portcullis::cli
