#include "JwtOutput.h"

#include "common/Redaction.h"
#include "crypto/Base64Url.h"
#include "jose/TimeText.h"

namespace portcullis::cli::jwtoutput {

namespace {

const char *const TIME_CLAIMS[] = {"exp", "nbf", "iat", "auth_time"};

bool isTimeClaim(QByteArrayView name)
{
    for (const char *claim : TIME_CLAIMS) {
        if (name == claim)
            return true;
    }
    return false;
}

void printObject(QTextStream &out, const jose::JsonValue &object, qint64 now)
{
    int width = 0;
    for (qsizetype i = 0; i < object.size(); ++i)
        width = std::max(width, int(redaction::escapeUntrusted(QString::fromUtf8(object.memberName(i)), 40).size()));
    for (qsizetype i = 0; i < object.size(); ++i) {
        const QByteArray name = object.memberName(i);
        const jose::JsonValue value = object.memberValue(i);
        out << "  " << redaction::escapeUntrusted(QString::fromUtf8(name), 40).leftJustified(width) << "  "
            << displayValue(value.rawText());
        if (isTimeClaim(name) && value.isNumber()) {
            if (const auto seconds = value.toInt64())
                out << "  (" << jose::timetext::utc(*seconds) << ", " << jose::timetext::relative(*seconds, now) << ")";
        }
        out << "\n";
    }
}

} // namespace

QString displayValue(QByteArrayView json)
{
    return redaction::escapeUntrusted(QString::fromUtf8(json), 2000);
}

void printToken(QTextStream &out, const jose::CompactJws &jws, qint64 now, const QString &signatureNote)
{
    out << "Header\n";
    printObject(out, jws.header().root(), now);
    if (jws.claims() && jws.claims()->root().isObject()) {
        out << "Claims\n";
        printObject(out, jws.claims()->root(), now);
    } else {
        out << "Payload (" << jws.payload().size() << " bytes, not a JSON object)\n  "
            << redaction::escapeUntrusted(QString::fromUtf8(jws.payload().toByteArray()), 2000) << "\n";
    }
    out << "Signature\n  " << jws.signature().size() << " bytes, " << signatureNote << "\n";
}

QByteArray tokenJson(const jose::CompactJws &jws, qint64 now)
{
    jose::JsonWriter writer;
    writer.beginObject();
    writer.key("header").raw(jws.header().root().rawText());
    writer.key("claims");
    if (jws.claims() && jws.claims()->root().isObject())
        writer.raw(jws.claims()->root().rawText());
    else
        writer.null();
    writer.key("payload").value(QByteArrayView(jws.rawPayload()));
    writer.key("signature_bytes").value(qint64(jws.signature().size()));
    writer.key("times").beginObject();
    if (jws.claims() && jws.claims()->root().isObject()) {
        const jose::JsonValue claims = jws.claims()->root();
        for (const char *name : TIME_CLAIMS) {
            const auto value = claims.member(name);
            const auto seconds = value && value->isNumber() ? value->toInt64() : std::nullopt;
            if (!seconds)
                continue;
            writer.key(name).beginObject();
            writer.key("unix").value(*seconds);
            writer.key("utc").value(jose::timetext::utc(*seconds));
            writer.key("relative").value(jose::timetext::relative(*seconds, now));
            writer.endObject();
        }
    }
    writer.endObject();
    writer.endObject();
    return writer.take();
}

} // namespace portcullis::cli::jwtoutput
