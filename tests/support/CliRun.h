#pragma once

#include <QProcess>
#include <QStringList>

namespace portcullis::test {

// One run of portcullis-cli, as a script sees it. Include from a test registered with portcullis_add_test
// (which defines PORTCULLIS_BIN_DIR).
struct CliRun
{
    int exitCode = -1; // -1: did not finish in time; -2: crashed
    QByteArray out;
    QByteArray err;
};

inline CliRun runCli(const QStringList &arguments, const QByteArray &input = {})
{
    QProcess process;
    process.start(QStringLiteral(PORTCULLIS_BIN_DIR "/portcullis-cli"), arguments);
    process.write(input);
    process.closeWriteChannel();
    CliRun result;
    if (!process.waitForFinished(60000)) {
        process.kill();
        process.waitForFinished();
        return result;
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -2;
    result.out = process.readAllStandardOutput();
    result.err = process.readAllStandardError();
    return result;
}

} // namespace portcullis::test
