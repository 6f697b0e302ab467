#pragma once

namespace portcullis::oauth {

// Why a step of an authorization-code flow (client side) failed. Each Error's detail says what was wrong, the likely
// cause and what to do; never a code, token, verifier or secret.
enum class FlowError
{
    InvalidProfile, // a provider profile that cannot work: no client id, a malformed URL, an unknown auth method
    InsecureEndpoint, // an http:// endpoint that is not on a loopback address
    HttpFailed, // the provider could not be reached, timed out, or answered too much
    DiscoveryFailed, // no usable metadata document at the well-known locations
    InvalidMetadata, // a metadata document that is not JSON, lacks required members or has values of the wrong type
    IssuerMismatch, // metadata, callback `iss` or ID token `iss` that names another issuer than the one asked for
    StateMismatch, // a callback whose state does not match the flow's
    InvalidCallback, // a callback without a code, or with an `iss` missing where the provider promised one
    AuthorizationDenied, // the provider answered the authorization request with an error (after the state matched)
    TokenRequestFailed, // the token endpoint refused (invalid_grant, invalid_client, …)
    InvalidTokenResponse, // a token response that is not JSON, lacks access_token, or has the wrong token_type
    JwksFailed, // the provider's key set could not be fetched or holds no usable key
    IdTokenRejected, // an ID token whose signature or claims do not check out
    NotSupported, // the provider offers no endpoint for what was asked (userinfo, introspection, revocation)
    Cancelled, // the operator cancelled the flow
    TimedOut, // the browser never came back within the flow's timeout
    StepOutOfOrder, // a step run before the steps it needs
};

const char *errorDomain(FlowError);
const char *errorCodeName(FlowError code);

} // namespace portcullis::oauth
