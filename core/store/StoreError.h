#pragma once

namespace portcullis::store {

// Why the database or the secret store refused. Each Error's detail says what was wrong and what to do.
enum class StoreError
{
    InvalidLocation, // a store URL or workspace path that cannot be used
    OpenFailed, // the database cannot be opened (permissions, missing driver, server unreachable)
    Corrupt, // the file is not a database, or fails its integrity check
    NewerSchema, // written by a newer Portcullis: refused, never downgraded
    MigrationFailed, // a schema migration failed and was rolled back
    QueryFailed, // a statement failed
    Busy, // the database stayed locked past the busy timeout
    NotFound, // no such record
    Conflict, // the record changed meanwhile, or would break a uniqueness rule
    SecretsUnavailable, // no secret store is reachable (no keychain, no D-Bus session, unreadable file)
    SecretsLocked, // the keychain is locked and could not be unlocked
    SecretNotFound, // the secret store has no such entry
    SecretsInsecure, // a secrets file readable by other users, or a symlink
    Timeout, // the keychain did not answer in time
};

const char *errorDomain(StoreError);
const char *errorCodeName(StoreError code);

} // namespace portcullis::store
