#include "apikeys/ApiKeyService.h"

#include <QRegularExpression>
#include <QStringBuilder>

#include "apikeys/ApiKeyError.h"
#include "apikeys/ApiKeyFormat.h"
#include "apikeys/Pepper.h"
#include "apikeys/UsageRecorder.h"
#include "common/Clock.h"
#include "store/Database.h"
#include "store/SharedCounter.h"
#include "store/Sql.h"

namespace portcullis::apikeys {

namespace {

constexpr qsizetype MAX_NAME_LENGTH = 100;
constexpr qsizetype MAX_DESCRIPTION_LENGTH = 500;
constexpr qsizetype MAX_REASON_LENGTH = 200;
constexpr qsizetype MAX_SCOPES = 32;
constexpr std::chrono::seconds MAX_LIFETIME {std::chrono::hours(24 * 366 * 10)};

const QString GENERIC_REFUSAL = QStringLiteral("The API key is not valid.");

bool hasControlCharacters(const QString &text)
{
    for (const QChar c : text) {
        if (c.category() == QChar::Other_Control || c.category() == QChar::Other_Format)
            return true;
    }
    return false;
}

Result<void> checkText(const QString &what, const QString &text, qsizetype maxLength, bool required)
{
    if (required && text.trimmed().isEmpty())
        return Error(ApiKeyError::InvalidInput, u"The key needs a " % what % u'.');
    if (text.size() > maxLength)
        return Error(ApiKeyError::InvalidInput,
                     u"The " % what % u" is longer than " % QString::number(maxLength) % u" characters.");
    if (hasControlCharacters(text))
        return Error(ApiKeyError::InvalidInput, u"The " % what % u" contains control or formatting characters.");
    return {};
}

Result<void> checkScopes(const QStringList &scopes)
{
    static const QRegularExpression SCOPE(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9:._/-]{0,63}$"));
    if (scopes.size() > MAX_SCOPES)
        return Error(ApiKeyError::InvalidInput,
                     u"A key may carry at most " % QString::number(MAX_SCOPES) % u" scopes.");
    for (const QString &scope : scopes) {
        if (!SCOPE.match(scope).hasMatch())
            return Error(ApiKeyError::InvalidInput,
                         u"The scope '" % scope.left(64).toHtmlEscaped()
                             % u"' is not valid. Use up to 64 letters, digits and : . _ / - (such as orders:read).");
    }
    return {};
}

QDateTime utcFromMs(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
}

Error notFound(const QString &id)
{
    return Error(ApiKeyError::NotFound,
                 u"There is no API key with the id '" % id.left(64) % u"'. List the keys to see their ids.");
}

QString keyHint(QByteArrayView key)
{
    const QByteArrayView prefix = format::prefixOf(key);
    return format::hint(QString::fromLatin1(prefix), QString::fromLatin1(key.last(4)));
}

} // namespace

QString eventTypeName(ApiKeyEvent::Type type)
{
    switch (type) {
    case ApiKeyEvent::Type::KeyIssued:
        return QStringLiteral("key_issued");
    case ApiKeyEvent::Type::KeyRevoked:
        return QStringLiteral("key_revoked");
    case ApiKeyEvent::Type::KeyRotated:
        return QStringLiteral("key_rotated");
    case ApiKeyEvent::Type::KeyExpired:
        return QStringLiteral("key_expired");
    case ApiKeyEvent::Type::ValidationFailed:
        return QStringLiteral("failed_auth");
    }
    return QStringLiteral("unknown");
}

ApiKeyService::ApiKeyService(std::shared_ptr<store::Database> database, const Clock &clock, Options options,
                             crypto::HmacKey pepper)
    : m_database(database)
    , m_repository(std::move(database))
    , m_clock(clock)
    , m_options(options)
    , m_pepper(std::move(pepper))
{ }

ApiKeyService::~ApiKeyService() = default;

Result<std::unique_ptr<ApiKeyService>> ApiKeyService::open(std::shared_ptr<store::Database> database,
                                                           store::SecretStore &secrets, const Clock &clock,
                                                           Options options)
{
    auto pepper = pepper::load(*database, secrets);
    if (!pepper)
        return pepper.error();
    std::unique_ptr<ApiKeyService> service(new ApiKeyService(database, clock, options, std::move(*pepper)));
    if (database->dialect() == store::Dialect::Sqlite) {
        auto counter = store::SharedCounter::open(database->location().path + QStringLiteral("-changes"));
        if (!counter)
            return counter.error();
        service->m_counter = std::move(*counter);
    }
    if (auto loaded = service->refresh(true); !loaded)
        return loaded.error();
    service->m_usage = std::make_unique<UsageRecorder>(service->m_repository, options.usageFlushInterval);
    return service;
}

Result<void> ApiKeyService::refresh(bool force)
{
    const std::lock_guard lock(m_refreshMutex);
    const quint64 tick = m_counter ? m_counter->value() : 0;
    const qint64 steadyMs
        = std::chrono::duration_cast<std::chrono::milliseconds>(m_clock.steadyNow().time_since_epoch()).count();
    if (!force && m_counter && tick == m_seenTick.load(std::memory_order_acquire)
        && steadyMs - m_lastSyncSteadyMs.load(std::memory_order_relaxed) < m_options.resyncInterval.count())
        return {}; // another thread brought the index up to date meanwhile
    const qint64 since = std::max<qint64>(0, m_loadedRevision.load(std::memory_order_relaxed));
    auto changes = m_repository.changedSince(since);
    if (!changes)
        return changes.error().withContext(QStringLiteral("Bringing the API key index up to date"));
    qint64 newest = since;
    for (auto &stored : *changes) {
        if (stored.keyedHash.size() != qsizetype(sizeof(KeyIndex::Digest)))
            continue; // not written by this version; such a key can never match
        KeyIndex::Digest digest;
        std::copy(stored.keyedHash.cbegin(), stored.keyedHash.cend(), digest.begin());
        KeyIndex::Entry entry;
        entry.id = stored.record.id;
        entry.scopes = stored.record.scopes;
        entry.state = stored.record.state;
        entry.expiresAtMs = stored.record.expiresAt.isValid() ? stored.record.expiresAt.toMSecsSinceEpoch() : 0;
        entry.graceEndsAtMs = stored.record.graceEndsAt.isValid() ? stored.record.graceEndsAt.toMSecsSinceEpoch() : 0;
        m_index.put(digest, std::move(entry));
        newest = std::max(newest, stored.revision);
    }
    m_loadedRevision.store(newest, std::memory_order_relaxed);
    m_lastSyncSteadyMs.store(steadyMs, std::memory_order_relaxed);
    m_seenTick.store(tick, std::memory_order_release);
    return {};
}

Result<void> ApiKeyService::ensureCurrent()
{
    if (m_counter) {
        const qint64 steadyMs
            = std::chrono::duration_cast<std::chrono::milliseconds>(m_clock.steadyNow().time_since_epoch()).count();
        if (m_counter->value() == m_seenTick.load(std::memory_order_acquire)
            && steadyMs - m_lastSyncSteadyMs.load(std::memory_order_relaxed) < m_options.resyncInterval.count())
            return {};
        return refresh(false);
    }
    // PostgreSQL: instances may be on other machines, so ask the store for its change number each time.
    auto revision = m_repository.currentRevision();
    if (!revision)
        return revision.error();
    if (*revision == m_loadedRevision.load(std::memory_order_relaxed))
        return {};
    return refresh(true);
}

void ApiKeyService::announceChange()
{
    if (m_counter)
        m_counter->bump();
    if (auto refreshed = refresh(true); !refreshed)
        m_lastSyncSteadyMs.store(std::numeric_limits<qint64>::min() / 2); // the next validation retries
}

Error ApiKeyService::invalidKeyError()
{
    return Error(ApiKeyError::InvalidKey, GENERIC_REFUSAL);
}

Result<ApiKeyService::Validated> ApiKeyService::refuse(const QString &reason, const QString &detail, QStringView source,
                                                       QString keyId, QString hint)
{
    raise(ApiKeyEvent::Type::ValidationFailed, keyId, hint, reason, detail, source);
    return Error(ApiKeyError::InvalidKey, GENERIC_REFUSAL);
}

void ApiKeyService::raise(ApiKeyEvent::Type type, const QString &keyId, const QString &hint, const QString &reason,
                          const QString &detail, QStringView source)
{
    ApiKeyEvent event;
    event.type = type;
    event.at = m_clock.nowUtc();
    event.keyId = keyId;
    event.hint = hint;
    event.reason = reason;
    event.source = source.toString();
    event.detail = detail;
    Q_EMIT eventRaised(event);
}

Result<ApiKeyService::Validated> ApiKeyService::validate(QByteArrayView key, QStringView requiredScope,
                                                         const QString &source)
{
    if (const auto defect = format::check(key)) {
        if (*defect == format::Defect::Checksum)
            return refuse(QStringLiteral("bad_checksum"),
                          QStringLiteral("A key with a wrong checksum was presented: a typo or made-up text."), source,
                          {}, keyHint(key));
        return refuse(QStringLiteral("malformed"),
                      u"Something that is not a Portcullis key (" % QString::number(key.size())
                          % u" bytes) was presented as one.",
                      source);
    }
    KeyIndex::Digest digest;
    if (!m_pepper.macInto(key, digest.data()))
        return Error(ApiKeyError::InvalidKey, GENERIC_REFUSAL);
    if (auto current = ensureCurrent(); !current)
        return current.error();
    KeyIndex::Found found;
    if (!m_index.find(digest, found))
        return refuse(QStringLiteral("unknown_key"), QStringLiteral("A well-formed key that was never issued here."),
                      source, {}, keyHint(key));
    const qint64 nowMs = m_clock.unixMillis();
    if (found.entry.state == ApiKeyState::Revoked)
        return refuse(QStringLiteral("revoked"), QStringLiteral("A revoked key was presented."), source, found.entry.id,
                      keyHint(key));
    if (found.entry.state == ApiKeyState::Expired || (found.entry.expiresAtMs && nowMs >= found.entry.expiresAtMs))
        return refuse(QStringLiteral("expired"), QStringLiteral("An expired key was presented."), source,
                      found.entry.id, keyHint(key));
    if (found.entry.state == ApiKeyState::Rotating && found.entry.graceEndsAtMs && nowMs >= found.entry.graceEndsAtMs)
        return refuse(QStringLiteral("rotated"), QStringLiteral("A rotated key was presented after its grace period."),
                      source, found.entry.id, keyHint(key));
    if (!requiredScope.isEmpty() && !found.entry.scopes.contains(requiredScope)) {
        raise(ApiKeyEvent::Type::ValidationFailed, found.entry.id, keyHint(key), QStringLiteral("insufficient_scope"),
              u"The key lacks the scope " % requiredScope % u'.', source);
        return Error(ApiKeyError::InsufficientScope,
                     u"The API key does not have the scope this request needs (" % requiredScope % u").");
    }
    m_usage->record(*found.usage, nowMs, source);
    return Validated {found.entry.id, found.entry.scopes, found.entry.state == ApiKeyState::Rotating};
}

Result<ApiKeyService::IssuedKey> ApiKeyService::makeKey(const IssueRequest &request, const QSqlDatabase &db,
                                                        qint64 revision, const QDateTime &keptExpiry)
{
    auto generated = format::generate(request.environment);
    if (!generated)
        return generated.error();
    auto id = format::newKeyId();
    if (!id)
        return id.error();
    IssuedKey issued;
    ApiKeyRecord &record = issued.record;
    record.id = *id;
    record.prefix = generated->prefix;
    record.lastFour = generated->lastFour;
    record.name = request.name.trimmed();
    record.owner = request.owner.trimmed();
    record.description = request.description;
    record.scopes = request.scopes;
    record.scopes.removeDuplicates();
    record.createdAt = utcFromMs(m_clock.unixMillis());
    if (keptExpiry.isValid())
        record.expiresAt = keptExpiry;
    else if (request.expiresIn)
        record.expiresAt = record.createdAt.addSecs(request.expiresIn->count());
    const QByteArray keyedHash = m_pepper.mac(generated->raw.view());
    if (auto inserted = m_repository.insert(db, record, keyedHash, revision); !inserted)
        return inserted.error();
    issued.key = std::move(generated->raw);
    return issued;
}

Result<ApiKeyService::IssuedKey> ApiKeyService::issue(const IssueRequest &request)
{
    for (const auto &check :
         {checkText(QStringLiteral("name"), request.name, MAX_NAME_LENGTH, true),
          checkText(QStringLiteral("owner"), request.owner, MAX_NAME_LENGTH, false),
          checkText(QStringLiteral("description"), request.description, MAX_DESCRIPTION_LENGTH, false),
          checkScopes(request.scopes)}) {
        if (!check)
            return check.error();
    }
    if (request.expiresIn && (request.expiresIn->count() <= 0 || *request.expiresIn > MAX_LIFETIME))
        return Error(ApiKeyError::InvalidInput,
                     QStringLiteral("A key's lifetime must be between one second and ten years."));
    if (auto prefix = format::prefixFor(request.environment); !prefix)
        return prefix.error();

    std::optional<IssuedKey> issued;
    auto done = m_database->transaction([&](const QSqlDatabase &db) -> Result<void> {
        auto revision = m_repository.nextRevision(db);
        if (!revision)
            return revision.error();
        auto made = makeKey(request, db, *revision);
        if (!made)
            return made.error();
        issued.emplace(std::move(*made));
        return {};
    });
    if (!done)
        return done.error();
    announceChange();
    raise(ApiKeyEvent::Type::KeyIssued, issued->record.id, issued->record.hint(), QString(),
          u"Key '" % issued->record.name % u"' issued.");
    return std::move(*issued);
}

Result<ApiKeyRecord> ApiKeyService::existing(const QSqlDatabase &db, const QString &id) const
{
    auto found = m_repository.find(db, id);
    if (!found)
        return found.error();
    if (!*found)
        return notFound(id);
    return std::move(**found);
}

Result<ApiKeyRecord> ApiKeyService::revoke(const QString &id, const QString &reason)
{
    if (auto checked = checkText(QStringLiteral("reason"), reason, MAX_REASON_LENGTH, false); !checked)
        return checked.error();
    const QString why = reason.trimmed().isEmpty() ? QStringLiteral("no reason given") : reason.trimmed();
    std::optional<ApiKeyRecord> revoked;
    auto done = m_database->transaction([&](const QSqlDatabase &db) -> Result<void> {
        auto record = existing(db, id);
        if (!record)
            return record.error();
        if (record->state == ApiKeyState::Revoked)
            return Error(ApiKeyError::InvalidState,
                         u"The key " % id % u" was already revoked on " % record->revokedAt.toString(Qt::ISODate)
                             % u'.');
        auto revision = m_repository.nextRevision(db);
        if (!revision)
            return revision.error();
        const qint64 nowMs = m_clock.unixMillis();
        if (auto marked = m_repository.markRevoked(db, id, why, nowMs, *revision); !marked)
            return marked.error();
        record->state = ApiKeyState::Revoked;
        record->revokedAt = utcFromMs(nowMs);
        record->revokedReason = why;
        revoked.emplace(std::move(*record));
        return {};
    });
    if (!done)
        return done.error();
    announceChange();
    raise(ApiKeyEvent::Type::KeyRevoked, id, revoked->hint(), why, u"Key '" % revoked->name % u"' revoked: " % why);
    return std::move(*revoked);
}

Result<ApiKeyService::IssuedKey> ApiKeyService::rotate(const QString &id, std::chrono::seconds grace)
{
    if (grace.count() < 0 || grace > m_options.maxGrace)
        return Error(ApiKeyError::InvalidInput,
                     u"The grace period must be between 0 and " % QString::number(m_options.maxGrace.count() / 3600)
                         % u" hours.");
    std::optional<IssuedKey> issued;
    QString oldHint;
    auto done = m_database->transaction([&](const QSqlDatabase &db) -> Result<void> {
        auto old = existing(db, id);
        if (!old)
            return old.error();
        const QDateTime now = utcFromMs(m_clock.unixMillis());
        const ApiKeyState state = old->effectiveState(now);
        if (state != ApiKeyState::Active)
            return Error(ApiKeyError::InvalidState,
                         u"The key " % id % u" is " % stateName(state)
                             % (state == ApiKeyState::Rotating
                                    ? u"; rotate its replacement " % old->replacedBy % u" instead."
                                    : QStringLiteral("; only an active key can be rotated.")));
        auto revision = m_repository.nextRevision(db);
        if (!revision)
            return revision.error();
        IssueRequest request;
        request.name = old->name;
        request.owner = old->owner;
        request.description = old->description;
        request.scopes = old->scopes;
        request.environment = old->prefix.mid(4);
        auto made = makeKey(request, db, *revision, old->expiresAt);
        if (!made)
            return made.error();
        const qint64 graceEnd = now.addSecs(grace.count()).toMSecsSinceEpoch();
        if (auto marked = m_repository.markRotating(db, id, graceEnd, made->record.id, *revision); !marked)
            return marked.error();
        oldHint = old->hint();
        issued.emplace(std::move(*made));
        return {};
    });
    if (!done)
        return done.error();
    announceChange();
    raise(ApiKeyEvent::Type::KeyRotated, id, oldHint, QString(),
          u"Key replaced by " % issued->record.id % u"; the old key works for " % QString::number(grace.count())
              % u" more seconds.");
    raise(ApiKeyEvent::Type::KeyIssued, issued->record.id, issued->record.hint(), QString(),
          u"Key '" % issued->record.name % u"' issued to replace " % id % u'.');
    return std::move(*issued);
}

Result<QStringList> ApiKeyService::expireDue()
{
    QStringList expired;
    auto done = m_database->transaction([&](const QSqlDatabase &db) -> Result<void> {
        auto due = m_repository.dueToExpire(db, m_clock.unixMillis());
        if (!due)
            return due.error();
        if (due->isEmpty())
            return {};
        auto revision = m_repository.nextRevision(db);
        if (!revision)
            return revision.error();
        for (const QString &id : std::as_const(*due)) {
            if (auto marked = m_repository.markExpired(db, id, *revision); !marked)
                return marked.error();
        }
        expired = *due;
        return {};
    });
    if (!done)
        return done.error();
    if (!expired.isEmpty())
        announceChange();
    for (const QString &id : std::as_const(expired))
        raise(ApiKeyEvent::Type::KeyExpired, id, QString(), QStringLiteral("expired"), QStringLiteral("Key expired."));
    return expired;
}

Result<ApiKeyRecord> ApiKeyService::find(const QString &id) const
{
    auto found = m_repository.find(id);
    if (!found)
        return found.error();
    if (!*found)
        return notFound(id);
    return std::move(**found);
}

Result<std::vector<ApiKeyRecord>> ApiKeyService::list(std::optional<ApiKeyState> state) const
{
    return m_repository.list(state);
}

Result<void> ApiKeyService::flushUsage()
{
    return m_usage->flush();
}

} // namespace portcullis::apikeys
