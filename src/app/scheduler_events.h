// SchedulerEvents: what the use cases tell the scheduler after a commit, so that it reacts at
// once instead of on a timer (docs/compat.md, "Scheduling latency"). Implemented by
// InsightQueues. Every method is called after the change is durable. Thread-safe.
#pragma once

#include <string>

#include "core/model/data_object.h"
#include "core/model/ready_agenda.h"

namespace pop::app {

class SchedulerEvents {
 public:
  virtual ~SchedulerEvents() = default;
  // A ready entry was stored (submission, rerun, createAgenda).
  virtual void OnReady(const ReadyAgenda& ready) = 0;
  // The agenda and its ready entries are gone.
  virtual void OnAgendaDeleted(const std::string& agenda_id) = 0;
  // The executor of a claimed agenda reported: the hand-off is complete and the ready entry
  // was deleted in the same transaction.
  virtual void OnClaimConfirmed(const std::string& agenda_id) = 0;
  // An object was created or changed (the stored version). Insights and customers matter.
  virtual void OnObjectChanged(const DataObject& object) = 0;
  virtual void OnObjectDeleted(ObjectKind kind, const std::string& id) = 0;
};

}  // namespace pop::app
