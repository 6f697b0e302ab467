#include "monitor/AuthSubject.h"

#include <array>

#include "monitor/SecurityEvent.h"

namespace portcullis::monitor {

namespace {

struct KindInfo
{
    SubjectKind kind;
    const char16_t *name;
    const char16_t *label;
};

constexpr std::array KINDS = {
    KindInfo {SubjectKind::User, u"user", u"user"},
    KindInfo {SubjectKind::Client, u"client", u"client"},
    KindInfo {SubjectKind::ApiKey, u"api_key", u"API key"},
    KindInfo {SubjectKind::SourceAddress, u"source", u"source address"},
};

const KindInfo &info(SubjectKind kind)
{
    return KINDS[std::size_t(kind)];
}

} // namespace

QString subjectKindName(SubjectKind kind)
{
    return QString::fromUtf16(info(kind).name);
}

std::optional<SubjectKind> subjectKindFromName(QStringView name)
{
    for (const KindInfo &known : KINDS) {
        if (name == QStringView(known.name))
            return known.kind;
    }
    return std::nullopt;
}

QString subjectKindLabel(SubjectKind kind)
{
    return QString::fromUtf16(info(kind).label);
}

AuthSubjects AuthSubjects::of(const SecurityEvent &event)
{
    return {event.user, event.clientId, event.keyId, event.sourceAddress};
}

const QString &AuthSubjects::get(SubjectKind kind) const
{
    switch (kind) {
    case SubjectKind::User:
        return user;
    case SubjectKind::Client:
        return clientId;
    case SubjectKind::ApiKey:
        return keyId;
    case SubjectKind::SourceAddress:
        break;
    }
    return sourceAddress;
}

} // namespace portcullis::monitor
