#pragma once

#include <QLoggingCategory>

namespace portcullis {

// One logging category per module, named portcullis.<layer>.<module>. Modules declare their own beside
// their code; these are the ones shared by the composition roots.
Q_DECLARE_LOGGING_CATEGORY(lcCommon)
Q_DECLARE_LOGGING_CATEGORY(lcApp)

namespace logging {

// Installs a message handler in front of Qt's: every message goes through redaction::scrubSecrets and has its
// control characters escaped before it reaches the previous handler (stderr, journald). Call once, early in
// main(). Returns false if it was already installed.
bool installRedactingHandler();

// The text the handler passes on for a message: scrubbed and on one line.
[[nodiscard]] QString sanitizeMessage(const QString &message);

} // namespace logging
} // namespace portcullis
