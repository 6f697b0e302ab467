#pragma once

#include <memory>

#include <QProcess>
#include <QString>
#include <QTemporaryDir>

#include "common/Result.h"

namespace portcullis::test {

// A throwaway PostgreSQL cluster for one test program: initdb in a private temporary directory, a server on a
// free loopback port (trust authentication, loopback only, fsync off), stopped and removed when destroyed.
// Run as root, the cluster runs as the user `nobody`, since PostgreSQL refuses to run as root.
class PostgresCluster
{
public:
    // Fails with a clear message when the PostgreSQL server binaries are missing (Debian: postgresql).
    [[nodiscard]] static Result<std::unique_ptr<PostgresCluster>> start();
    ~PostgresCluster();

    // A new, empty database on the cluster, as a store URL: postgresql://portcullis@127.0.0.1:PORT/NAME.
    [[nodiscard]] Result<QString> createDatabase();
    [[nodiscard]] int port() const { return m_port; }

private:
    PostgresCluster() = default;
    Result<void> run(const QString &program, const QStringList &arguments);
    QByteArray readLog() const;
    QStringList asClusterUser(const QString &program, const QStringList &arguments) const;

    QTemporaryDir m_dir;
    QString m_binDir;
    int m_port = 0;
    int m_databases = 0;
    QProcess m_server;
};

} // namespace portcullis::test
