#pragma once

#include "Command.h"
#include "common/Clock.h"
#include "engine/Workspace.h"

namespace portcullis::oauth {
class FlowSession;
}

namespace portcullis::cli {

// `portcullis-cli flow …`: a live authorization-code + PKCE flow through a loopback listener and the system
// browser, printing each step as it happens; then refresh, userinfo, introspect and revoke on its saved result, and
// the saved provider profiles. Exit 0 on success, 1 on a failed flow, 2 on usage errors.
class FlowCommand final : public Command
{
public:
    FlowCommand(const engine::WorkspaceOptions &workspace, const Clock &clock);

    [[nodiscard]] QString name() const override { return QStringLiteral("flow"); }
    [[nodiscard]] QString summary() const override
    {
        return QStringLiteral("Run an OAuth authorization-code + PKCE flow step by step, and use its tokens.");
    }
    int run(const QStringList &arguments, Io &io) override;

private:
    int runFlow(const QStringList &arguments, Io &io);
    int followUp(const QStringList &arguments, Io &io);
    int token(const QStringList &arguments, Io &io);
    int profiles(const QStringList &arguments, Io &io);
    // Runs the session's steps in an event loop until it stops; prints each step.
    bool drive(oauth::FlowSession &session, const QList<int> &steps, bool asJson, Io &io);

    const engine::WorkspaceOptions &m_options;
    const Clock &m_clock;
};

} // namespace portcullis::cli
