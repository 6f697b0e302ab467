#pragma once

#include <QString>

namespace portcullis::buildinfo {

// "0.1.0"
[[nodiscard]] QString version();
// The Qt library this process runs on (not the one it was built with).
[[nodiscard]] QString qtRuntimeVersion();
// The OpenSSL library this process runs on, e.g. "OpenSSL 3.0.19 27 Jan 2026".
[[nodiscard]] QString opensslRuntimeVersion();
// One line for --version and the About dialog: "Portcullis 0.1.0 (Qt 6.4.2, OpenSSL 3.0.19 …)".
[[nodiscard]] QString summary(const QString &programName);

} // namespace portcullis::buildinfo
