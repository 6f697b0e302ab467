#pragma once

#include "Command.h"
#include "common/Clock.h"

namespace portcullis::cli {

// `portcullis-cli jwt …`: decode, verify, sign, keygen, lint, diff and crack JSON Web Tokens.
// A stable interface: exit 0 means yes (valid, signed, no findings, identical, found), 1 no, 2 a usage error.
class JwtCommand final : public Command
{
public:
    explicit JwtCommand(const Clock &clock);

    [[nodiscard]] QString name() const override { return QStringLiteral("jwt"); }
    [[nodiscard]] QString summary() const override
    {
        return QStringLiteral("Decode, verify, sign, lint, compare and audit JSON Web Tokens.");
    }
    int run(const QStringList &arguments, Io &io) override;

private:
    int decode(const QStringList &arguments, Io &io);
    int verify(const QStringList &arguments, Io &io);
    int sign(const QStringList &arguments, Io &io);
    int keygen(const QStringList &arguments, Io &io);
    int lint(const QStringList &arguments, Io &io);
    int diff(const QStringList &arguments, Io &io);
    int crack(const QStringList &arguments, Io &io);

    const Clock &m_clock;
};

} // namespace portcullis::cli
