//
// TaskKeys.h
//
// The per-task-type keys (task.<NAME>.*) and worker.tasks.
//


#ifndef orchd_TaskKeys_INCLUDED
#define orchd_TaskKeys_INCLUDED


#include "master/DispatchOptions.h"
#include "Poco/Util/AbstractConfiguration.h"
#include <set>
#include <string>
#include <vector>


namespace orchd {


class TaskKeys
	/// Reads and checks the keys that configure one task type:
	///
	///     task.<NAME>.timeout_ms    its lease length (default task.timeout_ms)
	///     task.<NAME>.max_attempts  its dispatches before failing (default task.max_attempts)
	///     task.<NAME>.enabled       false: a master refuses it, a worker does not offer it
	///
	/// and worker.tasks, the types a worker offers (default: every loaded
	/// type that is enabled). DaemonConfig reads the values before any
	/// plugin is loaded; the names are checked against the loaded task
	/// types once the plugins are (checkTypes(), offered()). Every function
	/// throws ConfigException naming the key. Stateless and thread-safe.
{
public:
	static bool isTypeKey(const std::string& key);
		/// Whether key is task.<NAME>.<FIELD> with a well-formed task name
		/// and one of the three fields.

	static void addCandidates(const std::string& key, std::vector<std::string>& candidates);
		/// For a key of the form task.<NAME>.<something>, adds the three
		/// valid keys of NAME (for a did-you-mean).

	static std::set<std::string> typeNames(const Poco::Util::AbstractConfiguration& config);
		/// The NAMEs of the task.<NAME>.* keys present.

	static void load(const Poco::Util::AbstractConfiguration& config, DispatchOptions& dispatch);
		/// Fills dispatch.taskPolicies from the task.<NAME>.* keys; a key
		/// that is absent takes the global value (dispatch.taskTimeout and
		/// dispatch.maxAttempts must be read first).

	static void checkTypes(const Poco::Util::AbstractConfiguration& config, const std::vector<std::string>& loaded);
		/// Refuses a task.<NAME>.* key whose NAME no loaded plugin provides,
		/// naming the nearest loaded type.

	static std::vector<std::string> offered(const Poco::Util::AbstractConfiguration& config, const DispatchOptions& dispatch, const std::vector<std::string>& loaded);
		/// The types a worker announces: worker.tasks (a comma-separated
		/// list; every loaded type if absent) less those disabled. Refuses
		/// a name that is not loaded, naming the loaded types, and a name
		/// listed but disabled.

	static const char* const FIELDS[3];
		/// "timeout_ms", "max_attempts", "enabled".
};


} // namespace orchd


#endif // orchd_TaskKeys_INCLUDED
