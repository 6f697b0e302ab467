#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QUrl>

#include "common/Result.h"
#include "monitor/Alert.h"

namespace portcullis::crypto {
class HmacKey;
}

namespace portcullis::monitor {

enum class WebhookFormat
{
    Generic, // the alert's JSON (toJson(const Alert &), version 1)
    Slack, // {"text": "…"}, what a Slack incoming webhook (and Mattermost, Rocket.Chat) accepts
};

// The request body for `alert`, compact UTF-8 JSON.
[[nodiscard]] QByteArray webhookBody(const Alert &alert, WebhookFormat format);

// The Slack message: a bold first line with severity and rule, then the summary. '&', '<' and '>' are escaped as
// Slack requires, so text from a request (a user name such as "<!channel>") cannot mention, link or format.
[[nodiscard]] QString slackText(const Alert &alert);

// "sha256=" and the lowercase hex HMAC-SHA256 of `timestamp` "." `body` (see WebhookSink for the receiver's side).
[[nodiscard]] QByteArray webhookSignature(const crypto::HmacKey &key, QByteArrayView timestamp, QByteArrayView body);

// The URL as it may be shown or logged: scheme, host and port, and "/…" for any path or query, which may hold a
// token (Slack's webhook paths do). "https://hooks.slack.com/…".
[[nodiscard]] QString redactedUrl(const QUrl &url);

// A webhook URL must be absolute https, or http to this machine (127.0.0.0/8, ::1, localhost: tests and local
// relays), without a user name or password. The error shows the URL redacted.
[[nodiscard]] Result<void> checkWebhookUrl(const QUrl &url);

} // namespace portcullis::monitor
