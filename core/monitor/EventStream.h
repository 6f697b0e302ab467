#pragma once

#include <optional>

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QStringView>

#include "common/Result.h"
#include "monitor/SecurityEvent.h"

// What the Redis stream bridge (EventStreamPublisher, EventStreamReader) agrees on: the key, the entry shape and the
// stream ids. An entry holds one field, "e", whose value is the event's compact JSON (toJson in SecurityEvent.h: the
// one definition of the JSON shape, shared with the event log and exports). Any other entry in the stream is not an
// event and readers skip it.
namespace portcullis::monitor::eventstream {

inline constexpr auto DEFAULT_KEY = QLatin1StringView("portcullis:events");
inline constexpr QByteArrayView EVENT_FIELD = "e";
inline constexpr qsizetype MAX_KEY_LENGTH = 256;
// A normalized event's JSON stays far below this (its fields are bounded); a bigger value is not one of ours.
inline constexpr qsizetype MAX_ENTRY_BYTES = 64 * 1024;

// One event read from the stream, with its stream id ("1718000000000-0").
struct StreamEntry
{
    QByteArray id;
    SecurityEvent event;
};

// A stream id's two numbers (milliseconds, sequence), for ordering; nullopt if `id` is not "<ms>-<seq>".
struct StreamId
{
    quint64 ms = 0;
    quint64 seq = 0;
    friend auto operator<=>(const StreamId &, const StreamId &) = default;
};
[[nodiscard]] std::optional<StreamId> parseStreamId(QByteArrayView id);

// The key as bytes, if it is 1..MAX_KEY_LENGTH characters of [A-Za-z0-9:._-]; an EventStreamError otherwise.
[[nodiscard]] Result<QByteArray> checkedKey(QStringView key);
// Where a reader starts: "$" (only events added from now on), "0" (everything the stream still holds), or a stream
// id ("<ms>-<seq>", or "<ms>") whose later entries are wanted; an EventStreamError otherwise.
[[nodiscard]] Result<QByteArray> checkedStartId(QStringView id);

// The entry value for `event`: the compact JSON of the normalized event.
[[nodiscard]] QByteArray encodeEvent(const SecurityEvent &event);
// The event in an entry value (normalized); nullopt when it is too large, not a JSON object, or not an event.
[[nodiscard]] std::optional<SecurityEvent> decodeEvent(QByteArrayView value);

} // namespace portcullis::monitor::eventstream
