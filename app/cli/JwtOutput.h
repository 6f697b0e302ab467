#pragma once

#include <QByteArray>
#include <QTextStream>

#include "jose/CompactJws.h"

namespace portcullis::cli::jwtoutput {

// Header, claims (in their original order, time claims with UTC and relative times) and signature size.
void printToken(QTextStream &out, const jose::CompactJws &jws, qint64 now, const QString &signatureNote);
// The same as one JSON object: {"header":…,"claims":…|null,"payload":…,"signature_bytes":…,"times":{…}}.
[[nodiscard]] QByteArray tokenJson(const jose::CompactJws &jws, qint64 now);
// One value for a terminal: escaped, on one line.
[[nodiscard]] QString displayValue(QByteArrayView json);

} // namespace portcullis::cli::jwtoutput
