// portcullis-cli: the command-line composition root. No display is needed.

#include <cstdio>

#include <QCoreApplication>
#include <QTextStream>

#include "Cli.h"
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
    portcullis::cli::Cli cli;
    return cli.run(QCoreApplication::arguments(), io);
}
