// portcullis-cli: the command-line composition root. No display is needed.

#include <cstdio>
#include <memory>

#include <QCoreApplication>
#include <QTextStream>

#include "Cli.h"
#include "FlowCommand.h"
#include "JwtCommand.h"
#include "KeysCommand.h"
#include "MonitorCommand.h"
#include "RateLimitCommand.h"
#include "common/Clock.h"
#include "common/ProcessStartup.h"

int main(int argc, char **argv)
{
    portcullis::startup::prepareProcess("portcullis-cli");

    QCoreApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("Portcullis"));
    QCoreApplication::setApplicationName(QStringLiteral("portcullis"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PORTCULLIS_VERSION));

    QTextStream out(stdout);
    QTextStream err(stderr);
    portcullis::cli::Io io {out, err};
    const portcullis::SystemClock clock;
    portcullis::engine::WorkspaceOptions workspace;
    portcullis::cli::Cli cli(workspace);
    cli.add(std::make_unique<portcullis::cli::JwtCommand>(clock));
    cli.add(std::make_unique<portcullis::cli::KeysCommand>(workspace, clock));
    cli.add(std::make_unique<portcullis::cli::RateLimitCommand>(workspace, clock));
    cli.add(std::make_unique<portcullis::cli::MonitorCommand>(workspace, clock));
    cli.add(std::make_unique<portcullis::cli::FlowCommand>(workspace, clock));
    return cli.run(QCoreApplication::arguments(), io);
}
