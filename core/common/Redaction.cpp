#include "Redaction.h"

#include <algorithm>

#include <QCryptographicHash>
#include <QRegularExpression>
#include <QStringBuilder>

namespace portcullis::redaction {

namespace {

const QString REDACTED = QStringLiteral("[redacted]");

struct Rule
{
    QRegularExpression pattern;
    QString replacement;
};

const std::vector<Rule> &rules()
{
    using Opt = QRegularExpression::PatternOption;
    static const std::vector<Rule> s_rules = [] {
        std::vector<Rule> list;
        // A PEM private key block, even an unterminated one.
        list.push_back({QRegularExpression(QStringLiteral("-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\\s\\S]*?"
                                                          "(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)")),
                        QStringLiteral("-----BEGIN \\1PRIVATE KEY----- ") + REDACTED});
        // Compact JWS/JWE: a base64url JSON header ("eyJ…") and one to four more segments.
        list.push_back({QRegularExpression(QStringLiteral("\\beyJ[A-Za-z0-9_-]*(?:\\.[A-Za-z0-9_-]*){1,4}")),
                        QStringLiteral("[redacted jwt]")});
        // HTTP authorization credentials.
        list.push_back({QRegularExpression(QStringLiteral("\\b(Bearer|Basic|Digest|DPoP)(\\s+)[A-Za-z0-9._~+/=-]{8,}"),
                                           Opt::CaseInsensitiveOption),
                        QStringLiteral("\\1\\2") + REDACTED});
        // Cookies carry sessions: drop the whole header value.
        list.push_back(
            {QRegularExpression(QStringLiteral("\\b((?:set-)?cookie\\s*:\\s*)[^\\r\\n]*"), Opt::CaseInsensitiveOption),
             QStringLiteral("\\1") + REDACTED});
        // API keys of the `<prefix>_[<env>_]<entropy+checksum>` form: keep the prefix, which identifies the kind.
        list.push_back({QRegularExpression(QStringLiteral(
                            "\\b([A-Za-z][A-Za-z0-9]{0,15}_(?:[A-Za-z0-9]{1,15}_)?)[A-Za-z0-9]{30,}\\b")),
                        QStringLiteral("\\1") + REDACTED});
        // name=value, name: value and "name":"value" for secret-bearing names.
        list.push_back({QRegularExpression(
                            QStringLiteral("(?<![A-Za-z0-9_-])(\"?(?:access_token|refresh_token|id_token|token|code|"
                                           "code_verifier|client_secret|client_assertion|assertion|subject_token|"
                                           "device_code|secret|password|passwd|pwd|pepper|private_key|api_key|apikey|"
                                           "x-api-key|api-key)\"?\\s*[=:]\\s*\"?)[^&\\s\"',;}]+"),
                            Opt::CaseInsensitiveOption),
                        QStringLiteral("\\1") + REDACTED});
        return list;
    }();
    return s_rules;
}

bool isBidiControl(char16_t c)
{
    return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F || c == 0x061C;
}

} // namespace

QString fingerprint(QByteArrayView secret)
{
    const QByteArray digest = QCryptographicHash::hash(secret, QCryptographicHash::Sha256);
    return QStringLiteral("sha256:") + QString::fromLatin1(digest.toHex().left(12));
}

QString mask(QStringView secret, qsizetype keepPrefix)
{
    if (secret.isEmpty())
        return QStringLiteral("[empty]");
    const qsizetype keep = std::clamp<qsizetype>(keepPrefix, 0, secret.size() / 4);
    return secret.left(keep) % u"…[" % QString::number(secret.size()) % u" chars]";
}

QString scrubSecrets(QStringView line)
{
    QString text = line.toString();
    for (const Rule &rule : rules())
        text.replace(rule.pattern, rule.replacement);
    return text;
}

QString escapeUntrusted(QStringView text, qsizetype maxLength)
{
    QString out;
    out.reserve(std::min(text.size(), maxLength) + 16);
    qsizetype taken = 0;
    for (; taken < text.size() && taken < maxLength; ++taken) {
        const char16_t c = text[taken].unicode();
        switch (c) {
        case u'\\':
            out += u"\\\\";
            continue;
        case u'\n':
            out += u"\\n";
            continue;
        case u'\r':
            out += u"\\r";
            continue;
        case u'\t':
            out += u"\\t";
            continue;
        default:
            break;
        }
        if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0)) {
            out += u"\\x" % QString::number(c, 16).rightJustified(2, u'0');
        } else if (isBidiControl(c)) {
            out += u"\\u" % QString::number(c, 16).rightJustified(4, u'0');
        } else if (QChar::isHighSurrogate(c)) {
            // Keep a surrogate pair whole, or show a lone half as an escape.
            if (taken + 1 < text.size() && text[taken + 1].isLowSurrogate() && taken + 1 < maxLength) {
                out += text[taken];
                out += text[++taken];
            } else {
                out += u"\\u" % QString::number(c, 16);
            }
        } else if (QChar::isLowSurrogate(c)) {
            out += u"\\u" % QString::number(c, 16);
        } else {
            out += QChar(c);
        }
    }
    if (taken < text.size())
        out += u"…[+" % QString::number(text.size() - taken) % u" chars]";
    return out;
}

} // namespace portcullis::redaction
