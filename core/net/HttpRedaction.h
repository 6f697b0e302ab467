#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QUrl>

namespace portcullis::net {

// Masks credentials in the parts of an HTTP message, for display and export. The mask keeps no character of
// the secret, only its length ("[43 chars hidden]"), so two masked transcripts never leak a prefix.
namespace redact {

[[nodiscard]] bool isSecretParameter(QByteArrayView name);
[[nodiscard]] QByteArray maskValue(QByteArrayView value);
// Authorization / Proxy-Authorization keep their scheme ("Basic [24 chars hidden]"); Cookie and Set-Cookie are
// hidden whole; other headers are returned as they are.
[[nodiscard]] QByteArray headerValue(QByteArrayView name, QByteArrayView value);
// application/x-www-form-urlencoded: the values of secret parameters.
[[nodiscard]] QByteArray formBody(QByteArrayView body);
// A JSON object or array: the string values of secret members, at any depth. Text that is not JSON is
// returned as it is unless it looks like a bare JWT, which is masked whole.
[[nodiscard]] QByteArray jsonBody(QByteArrayView body);
// The query and fragment parameters of a URL.
[[nodiscard]] QUrl url(const QUrl &url);

} // namespace redact
} // namespace portcullis::net
