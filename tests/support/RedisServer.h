#pragma once

#include <memory>

#include <QProcess>
#include <QString>
#include <QTemporaryDir>

#include "common/Result.h"

namespace portcullis::test {

// A throwaway redis-server for one test program: a free loopback port, no persistence (no RDB, no AOF), its
// directory a private temporary one, stopped when destroyed. A watchdog shell owns the server, so it also goes away
// when the test process dies. kill() ends it with SIGKILL mid-test; restart() brings it back on the same port,
// empty (as after a crash without persistence).
class RedisServer
{
public:
    struct Options
    {
        QString password; // requirepass, when not empty
    };

    // Fails with a clear message when redis-server is missing (Debian: redis-server, in packaging/debian-packages.txt).
    [[nodiscard]] static Result<std::unique_ptr<RedisServer>> start(Options options);
    [[nodiscard]] static Result<std::unique_ptr<RedisServer>> start() { return start(Options()); }
    ~RedisServer();
    RedisServer(const RedisServer &) = delete;
    RedisServer &operator=(const RedisServer &) = delete;

    [[nodiscard]] int port() const { return m_port; }
    // redis://127.0.0.1:PORT (without the password).
    [[nodiscard]] QString url() const;
    [[nodiscard]] bool isRunning() const;

    // SIGKILL, as a crash would; returns once the process is gone.
    void kill();
    // Starts the server again on the same port and waits until it answers.
    [[nodiscard]] Result<void> restart();

private:
    explicit RedisServer(Options options);
    [[nodiscard]] Result<void> launch();
    void stop();
    [[nodiscard]] QString log() const;

    Options m_options;
    QString m_program;
    QTemporaryDir m_dir;
    int m_port = 0;
    qint64 m_pid = 0;
    std::unique_ptr<QProcess> m_watchdog;
};

} // namespace portcullis::test
