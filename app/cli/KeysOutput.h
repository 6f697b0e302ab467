#pragma once

#include <vector>

#include <QByteArray>
#include <QTextStream>

#include "apikeys/ApiKeyRecord.h"

namespace portcullis::jose {
class JsonWriter;
}

namespace portcullis::cli::keysoutput {

// Writes the record's members into an open JSON object (never a key or hash: the record holds neither).
void writeRecord(jose::JsonWriter &writer, const apikeys::ApiKeyRecord &record);
[[nodiscard]] QByteArray recordJson(const apikeys::ApiKeyRecord &record);
[[nodiscard]] QByteArray listJson(const std::vector<apikeys::ApiKeyRecord> &records);

// A table, one key per line, for people.
void printTable(QTextStream &out, const std::vector<apikeys::ApiKeyRecord> &records);
// Every field, one per line.
void printRecord(QTextStream &out, const apikeys::ApiKeyRecord &record);

} // namespace portcullis::cli::keysoutput
