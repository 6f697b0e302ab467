#include "oauth/FlowError.h"

namespace portcullis::oauth {

const char *errorDomain(FlowError)
{
    return "flow";
}

const char *errorCodeName(FlowError code)
{
    switch (code) {
    case FlowError::InvalidProfile:
        return "invalid_profile";
    case FlowError::InsecureEndpoint:
        return "insecure_endpoint";
    case FlowError::HttpFailed:
        return "http_failed";
    case FlowError::DiscoveryFailed:
        return "discovery_failed";
    case FlowError::InvalidMetadata:
        return "invalid_metadata";
    case FlowError::IssuerMismatch:
        return "issuer_mismatch";
    case FlowError::StateMismatch:
        return "state_mismatch";
    case FlowError::InvalidCallback:
        return "invalid_callback";
    case FlowError::AuthorizationDenied:
        return "authorization_denied";
    case FlowError::TokenRequestFailed:
        return "token_request_failed";
    case FlowError::InvalidTokenResponse:
        return "invalid_token_response";
    case FlowError::JwksFailed:
        return "jwks_failed";
    case FlowError::IdTokenRejected:
        return "id_token_rejected";
    case FlowError::NotSupported:
        return "not_supported";
    case FlowError::Cancelled:
        return "cancelled";
    case FlowError::TimedOut:
        return "timed_out";
    case FlowError::StepOutOfOrder:
        return "step_out_of_order";
    }
    return "unknown";
}

} // namespace portcullis::oauth
