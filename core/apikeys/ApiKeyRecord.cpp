#include "apikeys/ApiKeyRecord.h"

#include "apikeys/ApiKeyFormat.h"

namespace portcullis::apikeys {

QString stateName(ApiKeyState state)
{
    switch (state) {
    case ApiKeyState::Active:
        return QStringLiteral("active");
    case ApiKeyState::Rotating:
        return QStringLiteral("rotating");
    case ApiKeyState::Revoked:
        return QStringLiteral("revoked");
    case ApiKeyState::Expired:
        return QStringLiteral("expired");
    }
    return QStringLiteral("unknown");
}

std::optional<ApiKeyState> stateFromName(QStringView name)
{
    for (const ApiKeyState state :
         {ApiKeyState::Active, ApiKeyState::Rotating, ApiKeyState::Revoked, ApiKeyState::Expired}) {
        if (name == stateName(state))
            return state;
    }
    return std::nullopt;
}

QString ApiKeyRecord::hint() const
{
    return format::hint(prefix, lastFour);
}

ApiKeyState ApiKeyRecord::effectiveState(const QDateTime &now) const
{
    if (state == ApiKeyState::Revoked || state == ApiKeyState::Expired)
        return state;
    if (expiresAt.isValid() && now >= expiresAt)
        return ApiKeyState::Expired;
    if (state == ApiKeyState::Rotating && graceEndsAt.isValid() && now >= graceEndsAt)
        return ApiKeyState::Expired;
    return state;
}

} // namespace portcullis::apikeys
