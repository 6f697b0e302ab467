#include "Logging.h"

#include <atomic>

#include "Redaction.h"

namespace portcullis {

Q_LOGGING_CATEGORY(lcCommon, "portcullis.core.common")
Q_LOGGING_CATEGORY(lcApp, "portcullis.app")

namespace logging {

namespace {

constexpr qsizetype MAX_MESSAGE_LENGTH = 4096;

std::atomic<QtMessageHandler> s_previous {nullptr};
std::atomic<bool> s_installed {false};

void redactingHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    const QtMessageHandler previous = s_previous.load();
    if (previous)
        previous(type, context, sanitizeMessage(message));
}

} // namespace

QString sanitizeMessage(const QString &message)
{
    return redaction::escapeUntrusted(redaction::scrubSecrets(message), MAX_MESSAGE_LENGTH);
}

bool installRedactingHandler()
{
    if (s_installed.exchange(true))
        return false;
    s_previous.store(qInstallMessageHandler(redactingHandler));
    return true;
}

} // namespace logging
} // namespace portcullis
