//
// PluginHost.cpp
//


#include "plugin/PluginHost.h"
#include "server/KeySuggestion.h"
#include "orchd/PluginApi.h"
#include "Poco/DirectoryIterator.h"
#include "Poco/JSON/Array.h"
#include "Poco/Exception.h"
#include "Poco/File.h"
#include "Poco/Path.h"
#include "Poco/SharedLibrary.h"
#include "Poco/String.h"
#include <algorithm>
#include <set>
#include <dlfcn.h>
#include <sys/stat.h>


namespace orchd {


PluginHost::PluginHost(Poco::Logger& logger):
	_logger(logger),
	_table(nullptr)
{
	_tables.push_back(std::make_unique<const Table>());
	_table = _tables.back().get();
}


PluginHost::~PluginHost()
{
	// Objects first: their code and vtables live in the libraries.
	_table = nullptr;
	_handlers.clear();
	for (auto& object: _plugins) object.plugin.reset();
	for (auto& object: _plugins) object.library->unload();
	for (const auto& lib: _loaded) _loader.unloadLibrary(lib.file);
}


void PluginHost::loadFolder(const std::string& path)
{
	for (const auto& file: librariesIn(path)) loadLibrary(file);
}


std::vector<std::string> PluginHost::librariesIn(const std::string& path)
{
	Poco::File folder(path);
	if (!folder.exists() || !folder.isDirectory()) throw Poco::FileNotFoundException("plugin folder", path);
	std::vector<std::string> files;
	const std::string extension = Poco::SharedLibrary::suffix().substr(1);
	for (Poco::DirectoryIterator it(path), end; it != end; ++it)
	{
		// stat(), not File::isFile(), which throws for a file removed
		// since the folder was read, or a dangling link: skipped here.
		struct stat info{};
		std::string file = it.path().toString();
		if (it.path().getExtension() == extension && ::stat(file.c_str(), &info) == 0 && S_ISREG(info.st_mode)) files.push_back(file);
	}
	std::sort(files.begin(), files.end());
	return files;
}


bool PluginHost::loadLibrary(const std::string& path)
{
	std::lock_guard<std::mutex> lock(_mutex);
	FileStamp stamp = FileStamp::of(path);
	// A path refused before may have a copy still mapped; a path loaded
	// by another host of this process (a test's) is its business.
	bool retry = std::any_of(_refused.begin(), _refused.end(), [&path](const Refused& r) { return r.file == path; });
	std::string reason = retry ? stillMapped(path) : std::string();
	if (reason.empty()) reason = probeAbi(path);
	if (!reason.empty())
	{
		refuse(path, reason, stamp);
		return false;
	}
	try
	{
		_loader.loadLibrary(path);
	}
	catch (Poco::Exception& exc)
	{
		std::string text = exc.displayText();
		refuse(path, text.find("No manifest") != std::string::npos ? "missing manifest (no POCO_BEGIN_MANIFEST(orchd::TaskHandler))" : text, stamp);
		return false;
	}
	PluginObject object;
	bool configuration = false;
	std::vector<std::unique_ptr<TaskHandler>> handlers;
	reason = createPlugin(path, object, configuration);
	if (reason.empty()) reason = createHandlers(path, object.plugin.get(), handlers);
	if (reason.empty() && object.plugin && _store) reason = startLate(*object.plugin);
	if (!reason.empty())
	{
		handlers.clear();
		object.plugin.reset();
		if (object.library) object.library->unload();
		_loader.unloadLibrary(path);
		refuse(path, reason, stamp, configuration);
		return false;
	}
	if (object.plugin) _plugins.push_back(std::move(object));
	Loaded loaded{path, {}, stamp};
	for (auto& handler: handlers) loaded.tasks.push_back(handler->name());
	publish(handlers);
	_logger.information("loaded plugin %s: %s", path, loaded.tasks.empty() ? std::string("no task types (none declared in its settings)")
		: Poco::cat(std::string(", "), loaded.tasks.begin(), loaded.tasks.end()));
	_refused.erase(std::remove_if(_refused.begin(), _refused.end(), [&path](const Refused& r) { return r.file == path; }), _refused.end());
	_loaded.push_back(std::move(loaded));
	return true;
}


void PluginHost::publish(std::vector<std::unique_ptr<TaskHandler>>& handlers)
{
	// A new table, never a change to the one readers may be walking.
	auto table = std::make_unique<Table>(*_table.load());
	for (auto& handler: handlers)
	{
		(*table)[handler->name()] = handler.get();
		_handlers.push_back(std::move(handler));
	}
	_tables.push_back(std::move(table));
	_table.store(_tables.back().get(), std::memory_order_release);
}


std::string PluginHost::stillMapped(const std::string& path)
{
	// The dynamic loader finds an object by its path before it opens the
	// file: if a copy refused after it was opened is still mapped (a C++
	// library with unique symbols cannot be unloaded), dlopen() would hand
	// back that copy instead of the file now at the path.
	void* handle = ::dlopen(path.c_str(), RTLD_LAZY | RTLD_NOLOAD);
	if (!handle) return std::string();
	::dlclose(handle);
	return "an earlier copy of this file is still mapped in this process (it was refused after it was opened): "
		"give the new copy another file name, or restart the node";
}


std::string PluginHost::pocoRelease(unsigned version)
{
	return std::to_string(version >> 24) + "." + std::to_string((version >> 16) & 0xFF);
}


std::string PluginHost::probeAbi(const std::string& path)
{
	// A separate handle that only looks up the extern "C" symbol: no class
	// of the library is created, and no manifest read, before its version
	// is known. (Loading it runs its static initialisers, as any dlopen.)
	Poco::SharedLibrary library;
	try
	{
		library.load(path);
	}
	catch (Poco::Exception& exc)
	{
		return "cannot load library: " + exc.message();
	}
	std::string reason;
	if (!library.hasSymbol(ORCHD_PLUGIN_ABI_SYMBOL))
	{
		reason = "no " ORCHD_PLUGIN_ABI_SYMBOL "() symbol: not an orchd plugin, or built without ORCHD_DECLARE_PLUGIN_ABI()";
	}
	else
	{
		auto version = reinterpret_cast<int (*)()>(library.getSymbol(ORCHD_PLUGIN_ABI_SYMBOL))();
		if (version != PLUGIN_ABI_VERSION)
			reason = "plugin ABI version " + std::to_string(version) + ", this orchd needs " + std::to_string(PLUGIN_ABI_VERSION);
		else if (!library.hasSymbol(ORCHD_PLUGIN_POCO_SYMBOL))
			reason = "no " ORCHD_PLUGIN_POCO_SYMBOL "() symbol: built without ORCHD_DECLARE_PLUGIN_ABI()";
		else
		{
			unsigned poco = reinterpret_cast<unsigned (*)()>(library.getSymbol(ORCHD_PLUGIN_POCO_SYMBOL))();
			if (poco >> 16 != static_cast<unsigned>(POCO_VERSION) >> 16)
				reason = "built against Poco " + pocoRelease(poco) + ", this orchd runs Poco " + pocoRelease(POCO_VERSION) +
					": rebuild the plugin against Poco " + pocoRelease(POCO_VERSION);
		}
	}
	library.unload();
	return reason;
}


std::string PluginHost::createPlugin(const std::string& path, PluginObject& object, bool& configuration)
{
	// The ABI was checked: C++ objects may cross now.
	object.library = std::make_unique<Poco::SharedLibrary>(path);
	if (!object.library->hasSymbol(ORCHD_PLUGIN_OBJECT_SYMBOL))
	{
		// No Plugin: this handle is not needed (the loader holds its own).
		object.library->unload();
		object.library.reset();
		return std::string();
	}
	DeclaredSettings settings(DeclaredSettings::pluginName(path), _config);
	try
	{
		object.plugin.reset(reinterpret_cast<Plugin* (*)()>(object.library->getSymbol(ORCHD_PLUGIN_OBJECT_SYMBOL))());
		configuration = true;
		object.plugin->configure(settings);
		settings.checkUndeclared();
	}
	catch (Poco::Exception& exc)
	{
		return configuration ? exc.message() : "its Plugin's constructor threw: " + exc.displayText();
	}
	catch (std::exception& exc)
	{
		return std::string(configuration ? "its Plugin's configure() threw: " : "its Plugin's constructor threw: ") + exc.what();
	}
	configuration = false;
	for (const auto& declaration: settings.declarations())
	{
		_logger.debug("plugin setting %s = %s (default %s): %s", declaration.key, declaration.value, declaration.defaultValue, declaration.help);
		_settings.push_back(declaration);
	}
	return std::string();
}


std::string PluginHost::createHandlers(const std::string& path, Plugin* plugin, std::vector<std::unique_ptr<TaskHandler>>& handlers)
{
	const Loader::Manif* manifest = _loader.findManifest(path);
	if ((!manifest || manifest->size() == 0) && !plugin) return "the manifest exports no task handler";
	static const Loader::Manif none;
	for (const auto* meta: manifest ? *manifest : none)
	{
		try
		{
			handlers.emplace_back(meta->create());
		}
		catch (Poco::Exception& exc)
		{
			return std::string("constructor of ") + meta->name() + " threw: " + exc.displayText();
		}
		catch (std::exception& exc)
		{
			return std::string("constructor of ") + meta->name() + " threw: " + exc.what();
		}
	}
	if (plugin)
	{
		try
		{
			for (auto& handler: plugin->tasks()) handlers.push_back(std::move(handler));
		}
		catch (Poco::Exception& exc)
		{
			return "its Plugin's tasks() threw: " + exc.displayText();
		}
	}
	// A Plugin whose settings declare no task type yet is loaded all the
	// same: its settings are known, and it is listed.
	return checkNames(handlers);
}


std::string PluginHost::checkNames(const std::vector<std::unique_ptr<TaskHandler>>& handlers) const
{
	const Table& taken = *_table.load();
	std::set<std::string> names;
	for (const auto& handler: handlers)
	{
		std::string name;
		if (!handler) return "its Plugin's tasks() gave a null handler";
		try
		{
			name = handler->name();
		}
		catch (Poco::Exception& exc)
		{
			return "name() of a handler threw: " + exc.displayText();
		}
		if (!isValidTaskName(name))
			return "a handler has an invalid task name '" + name + "' (1 to 32 of A-Z, 0-9, _)";
		if (taken.count(name) || !names.insert(name).second)
			return "task name " + name + " is already taken" + (taken.count(name) ? " by another plugin" : " in this library");
	}
	return std::string();
}


void PluginHost::setConfiguration(const Poco::Util::AbstractConfiguration& config)
{
	std::lock_guard<std::mutex> lock(_mutex);
	_config = &config;
}


void PluginHost::checkSettings() const
{
	std::lock_guard<std::mutex> lock(_mutex);
	for (const auto& refused: _refused)
	{
		if (refused.configuration) throw Poco::InvalidArgumentException(refused.reason);
	}
	if (!_config) return;
	std::vector<std::string> loaded;
	for (const auto& lib: _loaded) loaded.push_back(DeclaredSettings::pluginName(lib.file));
	Poco::Util::AbstractConfiguration::Keys plugins;
	_config->keys("plugin", plugins);
	for (const auto& name: plugins)
	{
		if (std::find(loaded.begin(), loaded.end(), name) != loaded.end()) continue;
		std::vector<std::string> keys = DeclaredSettings::presentKeys(*_config, "plugin." + name);
		if (keys.empty()) continue;
		throw Poco::InvalidArgumentException(keys.front() + ": no plugin " + name + " is loaded" + KeySuggestion::hint(name, loaded) +
			"; loaded: " + (loaded.empty() ? std::string("none") : Poco::cat(std::string(", "), loaded.begin(), loaded.end())));
	}
}


void PluginHost::start(AccountStore& store)
{
	std::lock_guard<std::mutex> lock(_mutex);
	for (auto& object: _plugins) object.plugin->start(store);
	_store = &store;
}


std::string PluginHost::startLate(Plugin& plugin)
{
	try
	{
		plugin.start(*_store);
		return std::string();
	}
	catch (Poco::Exception& exc)
	{
		return "its Plugin's start() threw: " + exc.displayText();
	}
	catch (std::exception& exc)
	{
		return std::string("its Plugin's start() threw: ") + exc.what();
	}
}


std::vector<DeclaredSettings::Declaration> PluginHost::settings() const
{
	std::lock_guard<std::mutex> lock(_mutex);
	return _settings;
}


void PluginHost::refuse(const std::string& path, const std::string& reason, const FileStamp& stamp, bool configuration)
{
	_logger.warning("refused plugin %s: %s", path, reason);
	++_refusedCount;
	for (auto& refused: _refused)
	{
		if (refused.file != path) continue;
		refused = Refused{path, reason, stamp, configuration};
		return;
	}
	_refused.push_back({path, reason, stamp, configuration});
}


TaskHandler* PluginHost::find(const std::string& task) const
{
	const Table* table = _table.load(std::memory_order_acquire);
	auto it = table->find(task);
	return it == table->end() ? nullptr : it->second;
}


std::vector<std::string> PluginHost::taskNames() const
{
	std::vector<std::string> names;
	for (const auto& entry: *_table.load(std::memory_order_acquire)) names.push_back(entry.first);
	return names;
}


std::vector<PluginHost::Loaded> PluginHost::loaded() const
{
	std::lock_guard<std::mutex> lock(_mutex);
	return _loaded;
}


std::vector<PluginHost::Refused> PluginHost::refused() const
{
	std::lock_guard<std::mutex> lock(_mutex);
	return _refused;
}


std::size_t PluginHost::refusedCount() const
{
	std::lock_guard<std::mutex> lock(_mutex);
	return _refusedCount;
}


void PluginHost::forget(const std::string& file)
{
	std::lock_guard<std::mutex> lock(_mutex);
	_refused.erase(std::remove_if(_refused.begin(), _refused.end(), [&file](const Refused& r) { return r.file == file; }), _refused.end());
}


void PluginHost::setRestartNeeded(const std::vector<Stale>& stale)
{
	std::lock_guard<std::mutex> lock(_mutex);
	_stale = stale;
}


std::vector<PluginHost::Stale> PluginHost::restartNeeded() const
{
	std::lock_guard<std::mutex> lock(_mutex);
	return _stale;
}


Poco::JSON::Object::Ptr PluginHost::status() const
{
	std::lock_guard<std::mutex> lock(_mutex);
	Poco::JSON::Array::Ptr loaded = new Poco::JSON::Array, refused = new Poco::JSON::Array, stale = new Poco::JSON::Array;
	for (const auto& library: _loaded)
	{
		Poco::JSON::Object::Ptr item = new Poco::JSON::Object;
		Poco::JSON::Array::Ptr tasks = new Poco::JSON::Array;
		for (const auto& task: library.tasks) tasks->add(task);
		item->set("file", library.file);
		item->set("tasks", tasks);
		loaded->add(item);
	}
	auto entry = [](const std::string& file, const std::string& why)
	{
		Poco::JSON::Object::Ptr item = new Poco::JSON::Object;
		item->set("file", file);
		item->set("why", why);
		return item;
	};
	for (const auto& library: _refused) refused->add(entry(library.file, library.reason));
	for (const auto& library: _stale) stale->add(entry(library.file, library.reason));
	Poco::JSON::Object::Ptr status = new Poco::JSON::Object;
	status->set("loaded", loaded);
	status->set("refused", refused);
	status->set("refused_total", _refusedCount);
	status->set("restart_needed", stale);
	return status;
}


bool PluginHost::isValidTaskName(const std::string& name)
{
	if (name.empty() || name.size() > 32 || name[0] < 'A' || name[0] > 'Z') return false;
	return std::all_of(name.begin(), name.end(), [](char c)
	{
		return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
	});
}


} // namespace orchd
