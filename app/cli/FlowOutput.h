#pragma once

#include <QJsonObject>

#include "Command.h"
#include "engine/FlowProfiles.h"
#include "oauth/FlowSession.h"

namespace portcullis::cli::flowoutput {

// One finished step for people: a status line, the summary, notes, checks and each HTTP leg (masked).
void printStep(Io &io, const oauth::StepRecord &record);
// One finished step as one line of JSON (HTTP legs masked).
void printStepJson(Io &io, const oauth::StepRecord &record);
// The end of a run: ID token claims and what was issued, without the tokens themselves.
void printResult(Io &io, const oauth::FlowSession &session, bool asJson);
// What `flow profiles show` prints, and the summary saved after a run.
[[nodiscard]] QJsonObject resultSummary(const oauth::FlowSession &session);
void printProfile(Io &io, const engine::FlowProfiles::Row &row, bool hasSecret, bool asJson);

} // namespace portcullis::cli::flowoutput
