#pragma once

#include <QByteArrayView>
#include <QString>
#include <QStringView>

namespace portcullis {

// Helpers that keep secrets and attacker-controlled text out of log lines and messages.
namespace redaction {

// A short, non-reversible fingerprint of secret bytes ("sha256:1a2b3c4d5e6f"), for telling two secrets apart in
// a log without revealing either.
[[nodiscard]] QString fingerprint(QByteArrayView secret);

// Keeps at most `keepPrefix` leading characters (never more than a quarter of the secret) and replaces the
// rest: "pcl_live_…[49 chars]". An empty secret gives "[empty]".
[[nodiscard]] QString mask(QStringView secret, qsizetype keepPrefix = 0);

// Replaces everything in a free-form line that looks like a credential: JWTs, Bearer/Basic credentials,
// Portcullis API keys, PEM private keys, and the values of secret-bearing parameters (code, access_token,
// refresh_token, id_token, client_secret, code_verifier, password, api_key, …) in query strings, form bodies,
// JSON and headers. Used by the log handler on every line as a last line of defence.
[[nodiscard]] QString scrubSecrets(QStringView line);

// Makes untrusted text safe to log or show on one line: control characters, line breaks and bidirectional
// overrides become visible escapes (\n, \x1b, \u202e), and text past `maxLength` characters is cut with a
// note of how much was dropped.
[[nodiscard]] QString escapeUntrusted(QStringView text, qsizetype maxLength = 256);

} // namespace redaction
} // namespace portcullis
